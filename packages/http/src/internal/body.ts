// Reading a response body under the size limit, on any transport. A transport that already read the body
// under the limit (NodeTransport marks its responses) is read whole at once; any other response (the
// platform's fetch client) is refused at once when its Content-Length is over the limit, and otherwise
// read chunk by chunk, counting the bytes after content decoding, and abandoned (its stream cancelled,
// which aborts the fetch) as soon as they pass the limit. Memory stays within the limit plus one chunk.
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { ResponseLimit } from "@voucherify-effect/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const utf8 = new TextDecoder()

const tooLarge = (response: HttpClientResponse.HttpClientResponse, cause: ResponseLimit.ResponseTooLarge) =>
  new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause })

export const text = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<string, HttpClientError.ResponseError> => {
  if (ResponseLimit.hasBoundedBody(response)) return response.text
  const headers = response.headers
  const declared = headers["content-length"]
  if (declared !== undefined && /^\d{1,16}$/.test(declared.trim()) && Number(declared) > limit) {
    return Effect.fail(tooLarge(response, new ResponseLimit.ResponseTooLarge({ limit, declared: Number(declared) })))
  }
  return Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    return response.stream.pipe(
      Stream.runForEachChunk((chunk) => {
        for (const bytes of chunk) {
          size += bytes.length
          if (size > limit) return Effect.fail(tooLarge(response, new ResponseLimit.ResponseTooLarge({ limit })))
          chunks.push(bytes)
        }
        return Effect.void
      }),
      Effect.map(() => {
        if (chunks.length === 1) return utf8.decode(chunks[0])
        const whole = new Uint8Array(size)
        let offset = 0
        for (const bytes of chunks) {
          whole.set(bytes, offset)
          offset += bytes.length
        }
        return utf8.decode(whole)
      }),
      // A response without a body (204, 304, HEAD) reads as empty text, as `response.text` would.
      Effect.catchIf(
        (error) => error.reason === "EmptyBody",
        () => Effect.succeed("")
      )
    )
  })
}

// The URL a transport ended at, for the web `Response` the platform's fetch client wraps (the only place a
// transport exposes it): when it followed a redirect anyway (a runtime ignoring `redirect: "manual"`, or a
// custom client), the answer came from elsewhere. A browser's opaque redirect (status 0) counts too.
export const followedTo = (response: HttpClientResponse.HttpClientResponse, baseOrigin: string): string | undefined => {
  if (response.status === 0) return "(a redirect the runtime hides)"
  const source: unknown = (response as unknown as { readonly source?: unknown }).source
  if (typeof source !== "object" || source === null || !("redirected" in source) || source.redirected !== true) {
    return undefined
  }
  const url = "url" in source && typeof source.url === "string" ? source.url : ""
  try {
    const origin = new URL(url).origin
    return origin === baseOrigin ? `${origin} (same origin, still refused)` : origin
  } catch {
    return "(unknown)"
  }
}
