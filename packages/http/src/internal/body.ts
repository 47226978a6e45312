// Reading a response body under the size limit, on any transport. A transport that already read the body
// under the limit (NodeTransport marks its responses) is read whole at once; any other response (the
// platform's fetch client) is refused at once when its Content-Length is over the limit, and otherwise
// read chunk by chunk, counting the bytes after content decoding, and abandoned (its stream cancelled,
// which aborts the fetch) as soon as they pass the limit. Memory stays within the limit plus one chunk.
// A response that wraps a web `Response` (the platform's fetch client keeps it as `source`) is read
// straight from its body's reader in one effect: the generic path through `response.stream` costs an
// Effect stream per response and about 0.8 ms of CPU per request on fetch (BENCHMARKS.md).
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { ResponseLimit } from "@voucherify-effect/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

// Decodes like `Response.text()`: UTF-8, a leading BOM dropped, malformed bytes replaced.
const utf8 = new TextDecoder()

const tooLarge = (response: HttpClientResponse.HttpClientResponse, cause: ResponseLimit.ResponseTooLarge) =>
  new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause })

const readError = (response: HttpClientResponse.HttpClientResponse, cause: unknown) =>
  new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause })

const isOverLimit = (declared: string | null | undefined, limit: number): declared is string =>
  declared !== undefined && declared !== null && /^\d{1,16}$/.test(declared.trim()) && Number(declared) > limit

const declaredTooLarge = (response: HttpClientResponse.HttpClientResponse, declared: string, limit: number) =>
  Effect.fail(tooLarge(response, new ResponseLimit.ResponseTooLarge({ limit, declared: Number(declared) })))

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const whole = new Uint8Array(size)
  let offset = 0
  for (const bytes of chunks) {
    whole.set(bytes, offset)
    offset += bytes.length
  }
  return whole
}

// A chunk as bytes: a Uint8Array, or any other view (a chunk from another realm), else undefined.
const asBytes = (value: unknown): Uint8Array | undefined =>
  value instanceof Uint8Array
    ? value
    : ArrayBuffer.isView(value)
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      : undefined

// The parts of a web `Response` read here (typed structurally: other runtimes' classes qualify too).
interface WebResponse {
  readonly bodyUsed: boolean
  readonly body: ReadableStream<Uint8Array> | null
  readonly headers: { readonly get: (name: string) => string | null }
}

// The web `Response` behind a platform response, when it has one whose body is still unread.
const unreadWebResponse = (response: HttpClientResponse.HttpClientResponse): WebResponse | undefined => {
  const source: unknown = (response as unknown as { readonly source?: unknown }).source
  if (typeof source !== "object" || source === null || !("bodyUsed" in source) || source.bodyUsed !== false) {
    return undefined
  }
  const web = source as WebResponse
  if (typeof web.headers?.get !== "function") return undefined
  const body: unknown = web.body
  if (body === null) return web
  return typeof body === "object" && "getReader" in body && !(body as ReadableStream).locked ? web : undefined
}

// One effect over a plain read loop. A read that fails is the same `ResponseError` the platform's
// `response.stream` yields (the client reports it as a TransportError); past the limit, or when the
// fiber is interrupted, the reader is cancelled, which aborts the fetch.
const readWeb = (
  response: HttpClientResponse.HttpClientResponse,
  body: ReadableStream<Uint8Array>,
  limit: number
): Effect.Effect<string, HttpClientError.ResponseError> =>
  Effect.async<string, HttpClientError.ResponseError>((resume) => {
    let reader: ReadableStreamDefaultReader<Uint8Array>
    try {
      reader = body.getReader()
    } catch (cause) {
      // Read by someone else since it was looked at.
      resume(Effect.fail(readError(response, cause)))
      return
    }
    const chunks: Array<Uint8Array> = []
    let size = 0
    let settled = false
    // Ends the read once: drops what was read, cancels the reader unless it is done, resumes the fiber.
    const settle = (outcome: Effect.Effect<string, HttpClientError.ResponseError> | undefined, cancel: boolean) => {
      if (settled) return
      settled = true
      chunks.length = 0
      if (cancel) reader.cancel().catch(() => undefined)
      if (outcome !== undefined) resume(outcome)
    }
    const onError = (cause: unknown) => settle(Effect.fail(readError(response, cause)), false)
    const onChunk = (result: ReadableStreamReadResult<Uint8Array>) => {
      if (settled) return
      if (result.done) {
        settle(Effect.succeed(size === 0 ? "" : utf8.decode(concat(chunks, size))), false)
        return
      }
      const bytes = asBytes(result.value)
      if (bytes === undefined) {
        settle(
          Effect.fail(readError(response, new TypeError("the response body yielded a chunk that is not bytes"))),
          true
        )
        return
      }
      size += bytes.length
      if (size > limit) {
        settle(Effect.fail(tooLarge(response, new ResponseLimit.ResponseTooLarge({ limit }))), true)
        return
      }
      chunks.push(bytes)
      reader.read().then(onChunk, onError)
    }
    reader.read().then(onChunk, onError)
    // Interrupted: cancel the read, which aborts the fetch.
    return Effect.sync(() => settle(undefined, true))
  })

/** The body of a response as text, read under `limit` bytes (after content decoding). */
export const text = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<string, HttpClientError.ResponseError> => {
  if (ResponseLimit.hasBoundedBody(response)) return response.text
  const web = unreadWebResponse(response)
  if (web !== undefined) {
    const declared = web.headers.get("content-length")
    if (isOverLimit(declared, limit)) {
      // Not read at all: the transport may drop the connection now rather than when the request ends.
      return Effect.suspend(() => {
        web.body?.cancel().catch(() => undefined)
        return declaredTooLarge(response, declared, limit)
      })
    }
    // A response without a body (204, 304, HEAD) reads as empty text, as `response.text` would.
    const body = web.body
    return body === null ? Effect.succeed("") : readWeb(response, body, limit)
  }
  const declared = response.headers["content-length"]
  if (isOverLimit(declared, limit)) return declaredTooLarge(response, declared, limit)
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
      Effect.map(() => utf8.decode(concat(chunks, size))),
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
