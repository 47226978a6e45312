/**
 * The largest response body a client holds in memory, shared between the client (which reads it from
 * its configuration) and the transports (which stop reading past it). A transport reads the limit of
 * the current request from {@link MaxResponseBytes} in the fiber's context and, past it, aborts the
 * response and fails its body with {@link ResponseTooLarge}; the client turns that into an
 * `InvalidResponse` with reason `TooLarge`.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Predicate from "effect/Predicate"

/**
 * 4 MiB: a page of 100 async actions is well under 1 MB, and no answer of this API comes near it.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxResponseBytes = 4 * 1024 * 1024

/**
 * The largest limit a configuration may set (256 MiB): a body is decoded as one string.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxMaxResponseBytes = 256 * 1024 * 1024

/**
 * The body limit, in bytes after any content decoding, for requests made by the current fiber.
 *
 * @since 0.2.0
 * @category references
 */
export class MaxResponseBytes extends Context.Reference<MaxResponseBytes>()(
  "@voucherify-effect/core/ResponseLimit/MaxResponseBytes",
  { defaultValue: (): number => defaultMaxResponseBytes }
) {}

/**
 * Why a transport stopped reading a body: it was (or said it would be) larger than the limit.
 *
 * @since 0.2.0
 * @category errors
 */
export class ResponseTooLarge extends Data.TaggedError("ResponseTooLarge")<{
  readonly limit: number
  /** The `Content-Length` the server announced, when that alone was over the limit. */
  readonly declared?: number | undefined
}> {
  override get message() {
    return this.declared === undefined
      ? `the body exceeds the ${this.limit}-byte limit`
      : `the body's Content-Length ${this.declared} exceeds the ${this.limit}-byte limit`
  }
}

/**
 * @since 0.2.0
 * @category guards
 */
export const isResponseTooLarge = (u: unknown): u is ResponseTooLarge =>
  Predicate.isTagged(u, "ResponseTooLarge") && Predicate.hasProperty(u, "limit")

/**
 * Marks a response whose body a transport already read under the limit of its request: the client
 * reads it whole at once instead of counting its bytes again.
 *
 * @since 0.2.0
 * @category symbols
 */
export const BoundedBodyTypeId: unique symbol = Symbol.for("@voucherify-effect/core/ResponseLimit/BoundedBody")

/**
 * @since 0.2.0
 * @category guards
 */
export const hasBoundedBody = (u: unknown): boolean => Predicate.hasProperty(u, BoundedBodyTypeId)
