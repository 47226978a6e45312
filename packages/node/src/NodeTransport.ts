/**
 * An `HttpClient` for Node, on undici, that reads each response body as soon as its headers arrive and
 * hands over the response only once the body is in memory. Made for JSON APIs such as Voucherify's: a
 * client that decodes every body whole gains nothing from streaming it.
 *
 * Compared with `NodeHttpClient.layerUndici` (measured in BENCHMARKS.md): less CPU per request, and far
 * less memory churn on long runs, because the body is read in the same promise chain as the headers
 * instead of after the calling fiber resumes. Use the platform's client for large downloads or
 * streamed responses; this one holds every body in memory.
 *
 * Bodies are bounded: past the limit of the request (`ResponseLimit.MaxResponseBytes` in the request's
 * context, 4 MiB by default; a `Content-Length` over it is refused before reading) it stops reading,
 * aborts the response and fails the body with `ResponseTooLarge`. Content encodings are not decoded
 * (no `Accept-Encoding` is sent), so a compressed body counts its compressed bytes. Redirects are
 * never followed.
 *
 * It honours the `AbortSignal` of `@effect/platform` (interruption, `HttpClient.withScope`, the
 * Voucherify client's per-request deadline) while waiting for headers and while reading the body, and
 * `NodeHttpClient.UndiciRequestOptions` when provided around a request.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeStream from "@effect/platform-node/NodeStream"
import type * as Undici from "@effect/platform-node/Undici"
import { BufferedGet, ResponseLimit } from "@voucherify-effect/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type Body, BufferedResponse } from "./internal/bufferedResponse.js"

type RequestBody = Exclude<Undici.Dispatcher.DispatchOptions["body"], undefined>

/**
 * The client on a given undici `Dispatcher` (an `Agent`, a `Pool`, a `MockAgent`...). It also offers the
 * Voucherify client's GET shortcut (`BufferedGet`): the same request and the same bounded body read,
 * without `@effect/platform`'s request and response objects.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient => {
  const client = HttpClient.make((request, url, signal, fiber) => {
    const context = fiber.currentContext
    const options = Context.getOrElse(context, NodeHttpClient.UndiciRequestOptions, () => ({}))
    const limit = Context.get(context, ResponseLimit.MaxResponseBytes)
    const send = (body: RequestBody, headers: Record<string, string> = request.headers) =>
      Effect.tryPromise({
        try: () =>
          dispatcher
            .request(
              requestOptions(options, signal, request.method, headers, url.origin, url.pathname + url.search, body)
            )
            .then((response) =>
              readWhole(response, limit).then(
                (body) => new BufferedResponse(request, response.statusCode, response.headers, body)
              )
            ),
        catch: (cause) => new HttpClientError.RequestError({ request, reason: "Transport", cause })
      })
    const body = request.body
    switch (body._tag) {
      case "Empty":
        return send(null)
      case "Uint8Array":
        return send(body.body)
      case "Raw":
        return send(body.body as RequestBody)
      case "FormData":
        // Encoded by the runtime's own `Response`: this undici's `request` rejects the global FormData of
        // another undici (Node 20 bundles undici 6), which is what `@effect/platform`'s client passes on.
        return Effect.flatMap(encodeForm(request, body.formData), ({ bytes, contentType }) =>
          send(bytes, { ...request.headers, "content-type": contentType })
        )
      case "Stream":
        return Effect.flatMap(NodeStream.toReadable(body.stream), send)
    }
  })
  const bufferedGet: BufferedGet.BufferedGet = (request) =>
    dispatcher
      .request(
        requestOptions(
          Context.getOrElse(request.context, NodeHttpClient.UndiciRequestOptions, () => ({})),
          request.signal,
          "GET",
          request.headers,
          request.origin,
          request.path,
          null
        )
      )
      .then((response) =>
        readWhole(response, request.maxResponseBytes).then(
          (body): BufferedGet.Answer => ({
            status: response.statusCode,
            headers: joinHeaders(response.headers),
            body: body._tag === "Read" ? { _tag: "Read", text: utf8.decode(body.bytes) } : body
          })
        )
      )
  return Object.assign(client, { [BufferedGet.TypeId]: bufferedGet })
}

const requestOptions = (
  options: Partial<Undici.Dispatcher.RequestOptions>,
  signal: AbortSignal | BufferedGet.Abort,
  method: string,
  headers: Readonly<Record<string, string>>,
  origin: string,
  path: string,
  body: RequestBody | null
): Undici.Dispatcher.RequestOptions => ({
  ...options,
  signal,
  method: method as Undici.Dispatcher.HttpMethod,
  headers,
  origin,
  path,
  body,
  // Deadlines are the caller's (Effect timeouts, the signal), not undici's.
  headersTimeout: 60 * 60 * 1000,
  bodyTimeout: 0
})

// Like `Response.text()`: UTF-8, a leading byte order mark dropped, malformed bytes replaced.
const utf8 = new TextDecoder()

// Header names come lower-case from undici; a repeated header is joined as `Headers.fromInput` does.
const joinHeaders = (
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined) out[name] = typeof value === "string" ? value : value.join(", ")
  }
  return out
}

const encodeForm = (request: HttpClientRequest.HttpClientRequest, form: FormData) =>
  Effect.tryPromise({
    try: async () => {
      const encoded = new Response(form)
      return {
        contentType: encoded.headers.get("content-type") ?? "multipart/form-data",
        bytes: new Uint8Array(await encoded.arrayBuffer())
      }
    },
    catch: (cause) => new HttpClientError.RequestError({ request, reason: "Encode", cause })
  })

// Starts reading the body in the same turn the headers arrive. A body that fails to arrive whole still
// gives a response (status and headers are known); its body accessors fail with a `ResponseError`, as
// they would with a streaming client. A body over the limit is not read further: destroying undici's
// body aborts the request and closes its connection.
const readWhole = (response: Undici.Dispatcher.ResponseData, limit: number): Promise<Body> => {
  const body = response.body
  const header = response.headers["content-length"]
  const declared = typeof header === "string" && /^\d{1,16}$/.test(header) ? Number(header) : undefined
  if (declared !== undefined) {
    if (declared > limit) {
      body.destroy()
      return Promise.resolve({ _tag: "Failed", cause: new ResponseLimit.ResponseTooLarge({ limit, declared }) })
    }
    // undici delivers exactly Content-Length bytes (more is a protocol error): read them in one go.
    return body.bytes().then(
      (bytes): Body => ({ _tag: "Read", bytes }),
      (cause: unknown): Body => ({ _tag: "Failed", cause })
    )
  }
  // No length announced (chunked, or until close): count the bytes as they come.
  return new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const settle = (result: Body) => {
      body.removeAllListeners("data")
      resolve(result)
    }
    body.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        chunks.length = 0
        body.destroy()
        settle({ _tag: "Failed", cause: new ResponseLimit.ResponseTooLarge({ limit }) })
      } else {
        chunks.push(chunk)
      }
    })
    body.once("end", () => {
      // A plain Uint8Array of its own (a small Buffer is a view into a shared pool).
      const bytes = new Uint8Array(size)
      let offset = 0
      for (const chunk of chunks) {
        bytes.set(chunk, offset)
        offset += chunk.length
      }
      settle({ _tag: "Read", bytes })
    })
    body.once("error", (cause: unknown) => settle({ _tag: "Failed", cause }))
  })
}

/**
 * The client on the `NodeHttpClient.Dispatcher` in context (share one undici `Agent` with other clients).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutDispatcher: Layer.Layer<HttpClient.HttpClient, never, NodeHttpClient.Dispatcher> =
  Layer.effect(HttpClient.HttpClient, Effect.map(NodeHttpClient.Dispatcher, make))

/**
 * The client on its own undici `Agent`, closed with the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.provide(
  layerWithoutDispatcher,
  NodeHttpClient.dispatcherLayer
)
