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
import { ResponseLimit } from "@voucherify-effect/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type Body, BufferedResponse } from "./internal/bufferedResponse.js"

type RequestBody = Exclude<Undici.Dispatcher.DispatchOptions["body"], undefined>

/**
 * The client on a given undici `Dispatcher` (an `Agent`, a `Pool`, a `MockAgent`...).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal, fiber) => {
    const context = fiber.currentContext
    const options = Context.getOrElse(context, NodeHttpClient.UndiciRequestOptions, () => ({}))
    const limit = Context.get(context, ResponseLimit.MaxResponseBytes)
    const send = (body: RequestBody, headers: Record<string, string> = request.headers) =>
      Effect.tryPromise({
        try: () =>
          dispatcher
            .request({
              ...options,
              signal,
              method: request.method,
              headers,
              origin: url.origin,
              path: url.pathname + url.search,
              body,
              // Deadlines are the caller's (Effect timeouts, the signal), not undici's.
              headersTimeout: 60 * 60 * 1000,
              bodyTimeout: 0
            })
            .then((response) => readWhole(request, response, limit)),
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
const readWhole = (
  request: HttpClientRequest.HttpClientRequest,
  response: Undici.Dispatcher.ResponseData,
  limit: number
): Promise<BufferedResponse> => {
  const answer = (body: Body) => new BufferedResponse(request, response.statusCode, response.headers, body)
  const body = response.body
  const header = response.headers["content-length"]
  const declared = typeof header === "string" && /^\d{1,16}$/.test(header) ? Number(header) : undefined
  if (declared !== undefined) {
    if (declared > limit) {
      body.destroy()
      return Promise.resolve(answer({ _tag: "Failed", cause: new ResponseLimit.ResponseTooLarge({ limit, declared }) }))
    }
    // undici delivers exactly Content-Length bytes (more is a protocol error): read them in one go.
    return body.bytes().then(
      (bytes) => answer({ _tag: "Read", bytes }),
      (cause: unknown) => answer({ _tag: "Failed", cause })
    )
  }
  // No length announced (chunked, or until close): count the bytes as they come.
  return new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const settle = (result: Body) => {
      body.removeAllListeners("data")
      resolve(answer(result))
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
