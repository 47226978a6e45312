/**
 * The typed error channel. Every failure a caller can meet is one of these tagged errors: invalid input
 * caught before any request, each API refusal, transport and timeout failures, responses that do not
 * decode, and an async action that finished FAILED. {@link isTransient} says which are worth retrying.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { ApiErrorBody, describe } from "./ApiErrorBody.js"
import { AsyncAction } from "./AsyncAction.js"
import type { AsyncActionResult } from "./AsyncActionResult.js"
import type { DecodeFailure } from "./Decoder.js"
import { sanitize } from "./Sanitize.js"

const TypeId: unique symbol = Symbol.for("@voucherify-effect/core/VoucherifyError")

// Fields shared by every error that carries an HTTP response.
const responseFields = {
  status: Schema.Number,
  method: Schema.String,
  /** Path and query only: never a host with credentials, never headers. */
  path: Schema.String,
  body: Schema.optional(ApiErrorBody)
}

// Every piece of server text in a message goes through the sanitiser (idempotent, so text the client
// already sanitised with its secrets passes unchanged): one line, no escapes, bounded.
const clean = (text: string, maxLength?: number): string => sanitize(text, { maxLength })

const withRequestId = (text: string, body: ApiErrorBody | undefined): string =>
  body?.requestId === undefined ? text : `${text} (request_id ${clean(body.requestId)})`

/**
 * A wait as a finite, rounded duration for messages: `850ms`, `12s`, `3m 20s`, `2h 5m`, `11574d`.
 *
 * @since 0.2.0
 * @category formatting
 */
export const formatWait = (millis: number): string => {
  if (!Number.isFinite(millis)) return "an unknown time"
  if (millis < 1000) return `${Math.max(0, Math.round(millis))}ms`
  const seconds = Math.ceil(millis / 1000)
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60 === 0 ? "" : ` ${seconds % 60}s`}`
  if (seconds < 86_400) {
    const minutes = Math.ceil(seconds / 60)
    return `${Math.floor(minutes / 60)}h${minutes % 60 === 0 ? "" : ` ${minutes % 60}m`}`
  }
  return `${Math.ceil(seconds / 86_400)}d`
}

const apiMessage = (
  self: {
    readonly status: number
    readonly method: string
    readonly path: string
    readonly body?: ApiErrorBody | undefined
  },
  label: string
): string => {
  const key = self.body?.key === undefined ? "" : ` ${clean(self.body.key)}`
  const text = self.body === undefined ? undefined : describe(self.body)
  const details = self.body?.details === undefined ? "" : ` — ${clean(self.body.details)}`
  return withRequestId(
    `${label}: ${self.method} ${clean(self.path)} answered ${self.status}${key}${text === undefined ? "" : `: ${clean(text)}`}${details}`,
    self.body
  )
}

/**
 * Bad input caught locally (id, limit, date, duration, …): no request was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>("@voucherify-effect/InvalidInput")("InvalidInput", {
  field: Schema.String,
  reason: Schema.String
}) {
  readonly [TypeId] = TypeId
  override get message() {
    return `Invalid ${this.field}: ${clean(this.reason)}`
  }
}

/**
 * The client configuration is unusable (missing credentials, a non-https URL to a remote host, …).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidConfig extends Schema.TaggedError<InvalidConfig>("@voucherify-effect/InvalidConfig")(
  "InvalidConfig",
  {
    field: Schema.String,
    reason: Schema.String
  }
) {
  readonly [TypeId] = TypeId
  override get message() {
    return `Invalid configuration ${this.field}: ${this.reason}`
  }
}

/**
 * 400: the API rejected the request; `body.key` names why (for example `invalid_query_params`).
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>("@voucherify-effect/BadRequest")(
  "BadRequest",
  responseFields
) {
  readonly [TypeId] = TypeId
  override get message() {
    return apiMessage(this, "Bad request")
  }
}

/**
 * 401: missing or wrong credentials.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>("@voucherify-effect/Unauthorized")(
  "Unauthorized",
  responseFields
) {
  readonly [TypeId] = TypeId
  override get message() {
    return apiMessage(this, "Unauthorized")
  }
}

/**
 * 403: the credentials lack a permission.
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends Schema.TaggedError<Forbidden>("@voucherify-effect/Forbidden")(
  "Forbidden",
  responseFields
) {
  readonly [TypeId] = TypeId
  override get message() {
    return apiMessage(this, "Forbidden")
  }
}

/**
 * 404: no such async action (`body.resourceId` names it).
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>("@voucherify-effect/NotFound")("NotFound", responseFields) {
  readonly [TypeId] = TypeId
  override get message() {
    return apiMessage(this, "Not found")
  }
}

/**
 * 429: a rate limit was hit. `retryAfterMillis` comes from `Retry-After` or `X-Rate-Limit-Retry`.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("@voucherify-effect/RateLimited")("RateLimited", {
  ...responseFields,
  retryAfterMillis: Schema.optional(Schema.Number),
  limitType: Schema.optional(Schema.String)
}) {
  readonly [TypeId] = TypeId
  override get message() {
    const wait = this.retryAfterMillis === undefined ? "" : `, retry after ${formatWait(this.retryAfterMillis)}`
    const type = this.limitType === undefined ? "" : ` (${clean(this.limitType)})`
    return `${apiMessage(this, "Rate limited")}${type}${wait}`
  }
}

/**
 * 5xx: the API failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>("@voucherify-effect/ServerError")(
  "ServerError",
  responseFields
) {
  readonly [TypeId] = TypeId
  override get message() {
    return apiMessage(this, "Server error")
  }
}

/**
 * Any other status (402, 405, 409, 413, …), and every 3xx: redirects are never followed, so the
 * credentials only ever go to the configured host. `location` is where a 3xx pointed (scheme, host and
 * port only; `(none)` without a usable `Location`).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>("@voucherify-effect/UnexpectedStatus")(
  "UnexpectedStatus",
  { ...responseFields, location: Schema.optional(Schema.String) }
) {
  readonly [TypeId] = TypeId
  override get message() {
    if (this.location !== undefined) {
      return `${apiMessage(this, "Redirect not followed")} to ${clean(this.location)} (credentials are only sent to the configured API host)`
    }
    return apiMessage(this, "Unexpected status")
  }
}

/**
 * A response whose body is not what the contract says: a 2xx that does not decode, or any body over the
 * size limit (`TooLarge`, see `ResponseLimit`). `excerpt` is the start of the body (sanitised).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidResponse extends Schema.TaggedError<InvalidResponse>("@voucherify-effect/InvalidResponse")(
  "InvalidResponse",
  {
    status: Schema.Number,
    method: Schema.String,
    path: Schema.String,
    reason: Schema.Literal("MalformedJson", "SchemaMismatch", "UnexpectedContentType", "TooLarge"),
    detail: Schema.String,
    excerpt: Schema.String
  }
) {
  readonly [TypeId] = TypeId
  override get message() {
    const excerpt = this.excerpt === "" ? "" : ` (body starts ${JSON.stringify(clean(this.excerpt))})`
    return `Invalid response: ${this.method} ${clean(this.path)} answered ${this.status} with ${this.reason}: ${clean(this.detail, detailLength)}${excerpt}`
  }
}

/**
 * How many characters of a response body an {@link InvalidResponse} keeps as its `excerpt`.
 *
 * @since 0.1.0
 * @category constants
 */
export const excerptLength = 200

const detailLength = 1000

// A ParseError's message renders the offending value recursively: a hostile body nested thousands of
// levels deep would overflow the stack there, turning a typed failure into a defect.
const describeFailure = (failure: DecodeFailure): string => {
  if (failure._tag === "MalformedJson") return failure.detail
  try {
    return failure.message
  } catch {
    return "the body does not match the expected schema (too deeply nested to describe)"
  }
}

/**
 * Builds the {@link InvalidResponse} for a 2xx body that failed to decode (`Decoder.decodeJson`'s
 * failure): `MalformedJson` (worth retrying: a body cut short) or `SchemaMismatch` (not worth it).
 * The excerpt keeps at most {@link excerptLength} characters of the body, the detail at most 1 000, both
 * sanitised (`Sanitize.sanitize`) with the given secrets redacted.
 *
 * @since 0.1.0
 * @category constructors
 */
export const invalidResponse = (options: {
  readonly status: number
  readonly method: string
  readonly path: string
  readonly body: string
  readonly failure: DecodeFailure
  /** Values to redact from the excerpt and detail (the client's credentials). */
  readonly secrets?: ReadonlyArray<string> | undefined
}): InvalidResponse =>
  new InvalidResponse({
    status: options.status,
    method: options.method,
    path: options.path,
    reason: options.failure._tag === "MalformedJson" ? "MalformedJson" : "SchemaMismatch",
    detail: sanitize(describeFailure(options.failure), { maxLength: detailLength, secrets: options.secrets }),
    excerpt: sanitize(options.body, { maxLength: excerptLength, secrets: options.secrets })
  })

/**
 * The request did not complete: connection refused or reset, DNS, a body cut off mid-stream.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>("@voucherify-effect/TransportError")(
  "TransportError",
  { method: Schema.String, path: Schema.String, reason: Schema.String }
) {
  readonly [TypeId] = TypeId
  override get message() {
    return `Transport error: ${this.method} ${clean(this.path)}: ${clean(this.reason)}`
  }
}

/**
 * One request took longer than its per-request timeout.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>("@voucherify-effect/RequestTimeout")(
  "RequestTimeout",
  { method: Schema.String, path: Schema.String, timeoutMillis: Schema.Number }
) {
  readonly [TypeId] = TypeId
  override get message() {
    return `Request timed out: ${this.method} ${this.path} gave no response within ${this.timeoutMillis}ms`
  }
}

/**
 * A wait (`awaitCompletion`, `watch`) passed its deadline. `lastAction` is the last state seen, if any.
 *
 * @since 0.1.0
 * @category errors
 */
export class WaitTimeout extends Schema.TaggedError<WaitTimeout>("@voucherify-effect/WaitTimeout")("WaitTimeout", {
  id: Schema.String,
  timeoutMillis: Schema.Number,
  lastAction: Schema.optional(AsyncAction),
  /** Polls that got an answer or failed, so a timeout that hid an outage is visible. */
  polls: Schema.optional(Schema.Number),
  /** Polls that failed (after their own retries) by error tag, e.g. `{ RateLimited: 2 }`. */
  failedPolls: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Number }))
}) {
  readonly [TypeId] = TypeId
  override get message() {
    const last =
      this.lastAction === undefined
        ? "no state was seen"
        : `last seen ${this.lastAction.status}${this.lastAction.progress === undefined ? "" : ` at ${this.lastAction.progress}%`}`
    const failed = Object.entries(this.failedPolls ?? {})
    const failedText =
      failed.length === 0 ? "" : ` (${failed.map(([tag, count]) => `${count} ${tag}`).join(", ")} among them)`
    const polls = this.polls === undefined ? "" : `; ${this.polls} poll(s)${failedText}`
    return `Timed out after ${this.timeoutMillis}ms waiting for ${this.id}: ${last}${polls}`
  }
}

/**
 * The async action finished FAILED (or DONE with `operationStatus: "FAILED"`). Carries the final action.
 *
 * @since 0.1.0
 * @category errors
 */
export class AsyncActionFailed extends Schema.TaggedError<AsyncActionFailed>("@voucherify-effect/AsyncActionFailed")(
  "AsyncActionFailed",
  { action: AsyncAction }
) {
  readonly [TypeId] = TypeId
  override get message() {
    const result = this.action.result
    const summary = result === undefined ? "" : resultSummary(result)
    const requestId = this.action.requestId === undefined ? "" : ` (request_id ${clean(this.action.requestId)})`
    // "DONE with operation status FAILED" says something; "FAILED/FAILED" would not.
    const operation =
      this.action.operationStatus === undefined || this.action.operationStatus === this.action.status
        ? ""
        : ` with operation status ${this.action.operationStatus}`
    return `Async action ${this.action.id} (${this.action.type}) finished ${this.action.status}${operation}${clean(summary)}${requestId}`
  }
}

const resultSummary = (result: AsyncActionResult): string => {
  switch (result._tag) {
    case "Unrecognized":
      return ""
    case "BulkUpdate":
      return `: ${result.doneCount ?? 0} done, ${result.failedCount ?? 0} failed`
    default:
      return result.message === undefined ? "" : `: ${result.message}`
  }
}

/**
 * Pagination stopped making progress: the server returned a page whose oldest `created_at` did not
 * move the cursor and held no unseen action. Ending here is better than looping forever.
 *
 * @since 0.1.0
 * @category errors
 */
export class PaginationStalled extends Schema.TaggedError<PaginationStalled>("@voucherify-effect/PaginationStalled")(
  "PaginationStalled",
  { endDate: Schema.String, pages: Schema.Number }
) {
  readonly [TypeId] = TypeId
  override get message() {
    return `Pagination stalled after ${this.pages} page(s): end_date ${this.endDate} returned no new action`
  }
}

/**
 * Every error this library fails with.
 *
 * @since 0.1.0
 * @category models
 */
export type VoucherifyError =
  | InvalidInput
  | InvalidConfig
  | BadRequest
  | Unauthorized
  | Forbidden
  | NotFound
  | RateLimited
  | ServerError
  | UnexpectedStatus
  | InvalidResponse
  | TransportError
  | RequestTimeout
  | WaitTimeout
  | AsyncActionFailed
  | PaginationStalled

/**
 * Errors that carry an HTTP status from the API.
 *
 * @since 0.1.0
 * @category models
 */
export type ApiError = BadRequest | Unauthorized | Forbidden | NotFound | RateLimited | ServerError | UnexpectedStatus

/**
 * @since 0.1.0
 * @category guards
 */
export const isVoucherifyError = (u: unknown): u is VoucherifyError => Predicate.hasProperty(u, TypeId)

const transientStatuses: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504])

/**
 * Whether retrying the same request may succeed: 429, 500/502/503/504 (and 408), transport failures,
 * per-request timeouts, and a 2xx body that is not JSON (a body cut short). Everything else is permanent.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTransient = (error: VoucherifyError): boolean => {
  switch (error._tag) {
    case "RateLimited":
    case "TransportError":
    case "RequestTimeout":
      return true
    case "ServerError":
    case "UnexpectedStatus":
      return transientStatuses.has(error.status)
    case "InvalidResponse":
      return error.reason === "MalformedJson"
    default:
      return false
  }
}

/**
 * Errors that end a wait at once: polling again cannot change them (401, 403, 404 and other refusals).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isPermanent = (error: VoucherifyError): boolean => !isTransient(error)

/**
 * Builds the tagged error for a non-2xx status.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStatus = (options: {
  readonly status: number
  readonly method: string
  readonly path: string
  readonly body?: ApiErrorBody | undefined
  readonly retryAfterMillis?: number | undefined
  readonly limitType?: string | undefined
  /** For a 3xx: where it pointed (scheme, host and port only). */
  readonly location?: string | undefined
}): ApiError => {
  const fields = {
    status: options.status,
    method: options.method,
    path: options.path,
    ...(options.body === undefined ? {} : { body: options.body })
  }
  switch (options.status) {
    case 400:
      return new BadRequest(fields)
    case 401:
      return new Unauthorized(fields)
    case 403:
      return new Forbidden(fields)
    case 404:
      return new NotFound(fields)
    case 429:
      return new RateLimited({
        ...fields,
        ...(options.retryAfterMillis === undefined ? {} : { retryAfterMillis: options.retryAfterMillis }),
        ...(options.limitType === undefined ? {} : { limitType: options.limitType })
      })
    default:
      if (options.status >= 500 && options.status <= 599) return new ServerError(fields)
      return new UnexpectedStatus(
        options.status >= 300 && options.status <= 399 ? { ...fields, location: options.location ?? "(none)" } : fields
      )
  }
}
