// Turns one HTTP exchange into a value or a tagged error. Kept free of I/O so the mapping of every
// status, header and body is unit-testable on its own.
import { ApiErrorBody, type Decoder, VoucherifyError } from "@voucherify-effect/core"
import * as Either from "effect/Either"
import * as Option from "effect/Option"

export interface Exchange {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
  readonly nowMillis: number
}

const excerptLength = 200

export const excerpt = (body: string): string =>
  body.length > excerptLength ? `${body.slice(0, excerptLength)}…` : body

/** `Retry-After` as seconds or an HTTP date, relative to now; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMillis)
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
  return at === undefined ? undefined : Math.max(0, at - exchange.nowMillis)
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
export const toApiError = (exchange: Exchange): VoucherifyError.ApiError =>
  VoucherifyError.fromStatus({
    status: exchange.status,
    method: exchange.method,
    path: exchange.path,
    body: Either.match(parseJson(exchange.body), {
      onLeft: () => undefined,
      onRight: (json) => Option.getOrUndefined(ApiErrorBody.fromJson(json))
    }),
    retryAfterMillis: exchange.status === 429 ? retryAfterMillis(exchange) : undefined,
    limitType: exchange.headers["x-rate-limit-type"]
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
        detail: `content-type ${excerpt(contentType ?? "")}`,
        excerpt: excerpt(exchange.body)
      })
    )
  }
  return Either.mapLeft(decode(exchange.body), (failure) =>
    VoucherifyError.invalidResponse({
      status: exchange.status,
      method: exchange.method,
      path: exchange.path,
      body: exchange.body,
      failure
    })
  )
}
