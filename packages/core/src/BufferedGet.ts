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
  /** Aborted at the request's deadline or when the calling fiber is interrupted. */
  readonly signal: AbortSignal
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
  readonly body:
    | { readonly _tag: "Read"; readonly text: string }
    | { readonly _tag: "Failed"; readonly cause: unknown }
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
