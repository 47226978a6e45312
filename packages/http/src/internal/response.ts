// Turns one HTTP exchange into a value or a tagged error. Kept free of I/O so the mapping of every
// status, header and body is unit-testable on its own.
import { ApiErrorBody, type Decoder, Sanitize, VoucherifyError } from "@voucherify-effect/core"
import * as Either from "effect/Either"
import * as Option from "effect/Option"

export interface Exchange {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
  readonly nowMillis: number
  /** The client's credentials: redacted from any server text kept in an error. */
  readonly secrets: ReadonlyArray<string>
}

/** Server text kept in an error: sanitised, with the client's credentials redacted. */
export const clean = (exchange: Pick<Exchange, "secrets">, text: string, maxLength?: number): string =>
  Sanitize.sanitize(text, { secrets: exchange.secrets, maxLength })

// A server-requested wait longer than a year is as good as forever; clamping keeps every wait finite.
const maxHeaderWaitMillis = 365 * 24 * 60 * 60 * 1000

/** `Retry-After` as seconds or an HTTP date, relative to now; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.min(maxHeaderWaitMillis, Math.round(Number(trimmed) * 1000))
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.min(maxHeaderWaitMillis, Math.max(0, date - nowMillis))
}

/** `X-Rate-Limit-Retry`: Unix epoch seconds at which the next request is allowed. */
export const parseRetryAt = (value: string | undefined): number | undefined => {
  if (value === undefined || !/^\d{1,12}(\.\d+)?$/.test(value.trim())) return undefined
  return Math.round(Number(value.trim()) * 1000)
}

export const parseRemaining = (value: string | undefined): number | undefined =>
  value !== undefined && /^\d{1,12}$/.test(value.trim()) ? Number(value.trim()) : undefined

/** The wait a 429 asks for: `Retry-After` first, then `X-Rate-Limit-Retry`. */
export const retryAfterMillis = (exchange: Exchange): number | undefined => {
  const after = parseRetryAfter(exchange.headers["retry-after"], exchange.nowMillis)
  if (after !== undefined) return after
  const at = parseRetryAt(exchange.headers["x-rate-limit-retry"])
  return at === undefined ? undefined : Math.min(maxHeaderWaitMillis, Math.max(0, at - exchange.nowMillis))
}

// Every string of an error body, sanitised: these reach messages, logs and terminals.
const cleanBody = (exchange: Exchange, body: ApiErrorBody.ApiErrorBody): ApiErrorBody.ApiErrorBody => {
  const cleaned: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) {
    cleaned[key] =
      typeof value === "string"
        ? clean(exchange, value)
        : typeof value === "object" && value !== null && "message" in value && typeof value.message === "string"
          ? { message: clean(exchange, value.message) }
          : value
  }
  return cleaned as ApiErrorBody.ApiErrorBody
}

/**
 * Where a 3xx points, reduced to scheme, host and port (a path or query could carry anything), or
 * `(none)` when there is no usable `Location`.
 */
export const redirectTarget = (exchange: Exchange, baseUrl: string): string => {
  const location = exchange.headers.location
  if (location === undefined || location.trim() === "") return "(none)"
  try {
    const url = new URL(location.trim(), baseUrl)
    return clean(exchange, `${url.protocol}//${url.host}`, 200)
  } catch {
    return "(unreadable Location)"
  }
}

const parseJson = (body: string): Either.Either<unknown, string> => {
  try {
    return Either.right(JSON.parse(body))
  } catch (error) {
    return Either.left(error instanceof Error ? error.message : "not JSON")
  }
}

const isJsonContentType = (value: string | undefined) =>
  value === undefined || value === "" || /^application\/([\w.+-]*\+)?json\b/i.test(value.trim())

/** Maps a non-2xx exchange to its tagged error. */
export const toApiError = (exchange: Exchange, baseUrl: string): VoucherifyError.ApiError => {
  const body = Either.match(parseJson(exchange.body), {
    onLeft: () => undefined,
    onRight: (json) => Option.getOrUndefined(ApiErrorBody.fromJson(json))
  })
  const limitType = exchange.headers["x-rate-limit-type"]
  return VoucherifyError.fromStatus({
    status: exchange.status,
    method: exchange.method,
    path: exchange.path,
    body: body === undefined ? undefined : cleanBody(exchange, body),
    retryAfterMillis: exchange.status === 429 ? retryAfterMillis(exchange) : undefined,
    limitType: limitType === undefined ? undefined : clean(exchange, limitType, 100),
    location: exchange.status >= 300 && exchange.status <= 399 ? redirectTarget(exchange, baseUrl) : undefined
  })
}

/** A body over the size limit (a transport's `ResponseTooLarge`, or a `Content-Length` over it). */
export const tooLarge = (
  exchange: Pick<Exchange, "method" | "path" | "status">,
  cause: { readonly message: string }
): VoucherifyError.InvalidResponse =>
  new VoucherifyError.InvalidResponse({
    status: exchange.status,
    method: exchange.method,
    path: exchange.path,
    reason: "TooLarge",
    detail: cause.message,
    excerpt: ""
  })

/** Decodes a 2xx body, or explains why it could not be decoded. */
export const decodeSuccess = <A>(
  exchange: Exchange,
  decode: (text: string) => Either.Either<A, Decoder.DecodeFailure>
): Either.Either<A, VoucherifyError.InvalidResponse> => {
  const contentType = exchange.headers["content-type"]
  if (!isJsonContentType(contentType)) {
    return Either.left(
      new VoucherifyError.InvalidResponse({
        status: exchange.status,
        method: exchange.method,
        path: exchange.path,
        reason: "UnexpectedContentType",
        detail: `content-type ${clean(exchange, contentType ?? "", 100)}`,
        excerpt: clean(exchange, exchange.body, VoucherifyError.excerptLength)
      })
    )
  }
  return Either.mapLeft(decode(exchange.body), (failure) =>
    VoucherifyError.invalidResponse({
      status: exchange.status,
      method: exchange.method,
      path: exchange.path,
      body: exchange.body,
      failure,
      secrets: exchange.secrets
    })
  )
}
