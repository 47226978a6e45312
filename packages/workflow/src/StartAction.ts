/**
 * A start step for a durable await: one `POST` to an endpoint that starts an async action (an import, a
 * bulk or metadata update), answered `202 {"async_action_id": "aa_…"}`. It is sent through the
 * `VoucherifyClient` (`post`): its configuration, rate limiter (a fleet's shared budget included), request
 * timeout, response size limit and redirect refusal. It is sent exactly once: a `POST` that failed may
 * still have started the action, so it is never retried here.
 *
 * @since 0.1.0
 */
import type { VoucherifyError } from "@voucherify-effect/core"
import type { VoucherifyClient } from "@voucherify-effect/http"
import type * as Effect from "effect/Effect"
import * as internal from "./internal/startAction.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface PostOptions {
  /** Path under the base URL, e.g. `/v1/vouchers/import`. */
  readonly path: string
  /** The JSON body. */
  readonly body: unknown
}

/**
 * Sends the `POST` and returns the `async_action_id` of its answer (as the server sent it: the durable
 * await validates it). Non-2xx answers fail with the library's API errors, a body without an id with
 * `InvalidResponse`, a request that did not complete with `TransportError` or `RequestTimeout`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const post: (
  options: PostOptions
) => Effect.Effect<string, VoucherifyError.VoucherifyError, VoucherifyClient.VoucherifyClient> = internal.post
