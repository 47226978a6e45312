/**
 * A transport's shortcut for the only request the client sends on its hot path: one GET whose answer is
 * read whole, under a size limit, without building `@effect/platform` request and response objects
 * (measured at about a fifth of a list page's client CPU on real sockets, see BENCHMARKS.md).
 *
 * A transport that offers it marks its `HttpClient` with {@link TypeId} (NodeTransport does). The client
 * takes the shortcut only when the `HttpClient` in context is that very object: any middleware
 * (`HttpClient.mapRequest`, a logger, a tracer, a retry) makes a new client without the mark, and requests
 * then go through `execute` as before, so nothing a user wraps around the transport is ever skipped.
 *
 * @since 0.3.0
 */
import type * as Context from "effect/Context"
import * as Predicate from "effect/Predicate"

/**
 * One GET, as the client sends it.
 *
 * @since 0.3.0
 * @category models
 */
export interface Request {
  /** `scheme://host[:port]`. */
  readonly origin: string
  /** Path and query, already encoded. */
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  /** Aborted at the request's deadline, when the calling fiber is interrupted, or when the request failed. */
  readonly signal: Abort
  /** The body limit in bytes: past it the transport stops reading and answers `Failed` with `ResponseTooLarge`. */
  readonly maxResponseBytes: number
  /** The calling fiber's context, for transport options provided around a request. */
  readonly context: Context.Context<never>
}

/**
 * The answer: status and headers (names lower-case, repeated headers joined with `", "`), and the body as
 * UTF-8 text, or why it could not be read whole (cut short, over the limit, aborted).
 *
 * @since 0.3.0
 * @category models
 */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: { readonly _tag: "Read"; readonly text: string } | { readonly _tag: "Failed"; readonly cause: unknown }
}

/**
 * The shortcut itself. The promise rejects only when no answer arrived (the connection failed, the request
 * was aborted before the headers).
 *
 * @since 0.3.0
 * @category models
 */
export type BufferedGet = (request: Request) => Promise<Answer>

/**
 * The abort signal of a shortcut request: an `EventEmitter`-style signal (`aborted`, `reason`,
 * `on`/`once`/`removeListener("abort")`), which undici's `request` and Node's streams accept in place of an
 * `AbortSignal`. An `AbortController` and its `AbortSignal` cost about a tenth of a request's CPU in the
 * client (their creation and the garbage collector's work on them, measured in BENCHMARKS.md); this is a
 * plain object.
 *
 * @since 0.3.0
 * @category models
 */
export class Abort {
  aborted = false
  reason: unknown = undefined
  private listeners: Array<() => void> | undefined = undefined

  /** Registers a listener for `"abort"` (called at most once). */
  on(event: "abort", listener: () => void): this {
    if (event !== "abort") return this
    if (this.listeners === undefined) this.listeners = [listener]
    else this.listeners.push(listener)
    return this
  }

  /** Same as `on`: an abort happens once. */
  once(event: "abort", listener: () => void): this {
    return this.on(event, listener)
  }

  removeListener(event: "abort", listener: () => void): this {
    if (event === "abort" && this.listeners !== undefined) {
      const at = this.listeners.indexOf(listener)
      if (at !== -1) this.listeners.splice(at, 1)
    }
    return this
  }

  /** Aborts once: sets `aborted` and `reason`, then calls the listeners registered so far. */
  abort(reason: unknown = new Error("This operation was aborted")): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listeners = this.listeners
    this.listeners = undefined
    if (listeners !== undefined) for (const listener of listeners) listener()
  }
}

/**
 * @since 0.3.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@voucherify-effect/core/BufferedGet")

/**
 * The shortcut a client object offers, if it is marked.
 *
 * @since 0.3.0
 * @category accessors
 */
export const fromClient = (client: unknown): BufferedGet | undefined =>
  Predicate.hasProperty(client, TypeId) && typeof client[TypeId] === "function"
    ? (client[TypeId] as BufferedGet)
    : undefined
