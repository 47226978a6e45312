// The GET shortcut NodeTransport offers the Voucherify client (`BufferedGet`), over real sockets: taken only
// when the client in context is NodeTransport itself, the same request on the wire as through
// `HttpClient.execute`, and the same answers and errors.
import type { ServerResponse } from "node:http"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import type * as Undici from "@effect/platform-node/Undici"
import { describe, expect, it } from "@effect/vitest"
import { BufferedGet } from "@voucherify-effect/core"
import { RetryPolicy, VoucherifyClient } from "@voucherify-effect/http"
import { type Duration, Effect, Either, Exit, Fiber, Layer, Redacted } from "effect"
import * as NodeTransport from "../src/NodeTransport.js"
import { serve } from "./support.js"

const json = (res: ServerResponse, body: string, headers: Record<string, string | Array<string>> = {}) => {
  res.writeHead(200, { "content-type": "application/json", ...headers })
  res.end(body)
}

// The Voucherify client on a given HttpClient, with no retries (each test looks at one attempt).
const clientOn = (http: HttpClient.HttpClient, apiUrl: string, requestTimeout: Duration.DurationInput = "10 seconds") =>
  VoucherifyClient.layer({ apiUrl, appId: "app-1", secretKey: Redacted.make("sk-test-123"), requestTimeout }).pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, http))
  )

const getText = (urlParams: ReadonlyArray<readonly [string, string]> = []) =>
  Effect.flatMap(VoucherifyClient.VoucherifyClient, (client) =>
    client.get({ path: "/v1/async-actions", urlParams, decode: (text) => Either.right(text) })
  ).pipe(RetryPolicy.withPolicy(RetryPolicy.none))

// Each test gets its own undici Agent, closed with the test's scope.
const transport = Effect.map(NodeHttpClient.makeDispatcher, NodeTransport.make)

describe("NodeTransport's BufferedGet shortcut", () => {
  it.scopedLive("is offered by NodeTransport itself, and by no client some middleware was added to", () =>
    Effect.gen(function* () {
      const http = yield* transport
      expect(BufferedGet.fromClient(http)).toBeTypeOf("function")
      expect(BufferedGet.fromClient(HttpClient.mapRequest(http, (r) => r))).toBeUndefined()
      expect(BufferedGet.fromClient(HttpClient.tapRequest(http, () => Effect.void))).toBeUndefined()
      expect(BufferedGet.fromClient(HttpClient.withTracerDisabledWhen(http, () => true))).toBeUndefined()
    })
  )

  it.scopedLive("sends the same request on the wire as HttpClient.execute: method, path prefix, query, headers", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, _body, res) => json(res, "{}"))
      const http = yield* transport
      // A base URL with a path (a proxy's prefix), and query values that need encoding.
      const apiUrl = `${server.url}/proxy/voucherify`
      const params = [
        ["limit", "100"],
        ["end_date", "2024-01-31T12:00:00.000Z"],
        ["odd", "a b+c&d=e/é"]
      ] as const
      yield* getText(params).pipe(Effect.provide(clientOn(http, apiUrl)))
      // Through execute: the same transport behind a middleware that changes nothing.
      yield* getText(params).pipe(
        Effect.provide(
          clientOn(
            HttpClient.mapRequest(http, (r) => r),
            apiUrl
          )
        )
      )
      expect(server.seen).toHaveLength(2)
      const [shortcut, executed] = server.seen
      expect(shortcut!.method).toBe("GET")
      expect(shortcut!.url).toBe(executed!.url)
      expect(shortcut!.url.startsWith("/proxy/voucherify/v1/async-actions?limit=100&end_date=2024-01-31T12%3A00")).toBe(
        true
      )
      expect(shortcut!.headers).toEqual(executed!.headers)
      expect(shortcut!.headers["x-app-token"]).toBe("sk-test-123")
    })
  )

  it.scopedLive("a middleware around the transport is never skipped", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, _body, res) => json(res, "{}"))
      const http = HttpClient.mapRequest(yield* transport, HttpClientRequest.setHeader("x-proxy-auth", "yes"))
      yield* getText().pipe(Effect.provide(clientOn(http, server.url)))
      expect(server.seen[0]!.headers["x-proxy-auth"]).toBe("yes")
    })
  )

  it.scopedLive("answers as execute does: UTF-8 with the BOM dropped; repeated headers joined", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, _body, res) => {
        res.writeHead(200, [
          ["content-type", "application/json"],
          ["x-rate-limit-remaining", "5"],
          ["x-rate-limit-remaining", "0"]
        ])
        res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"ok":"é"}')]))
      })
      const http = yield* transport
      const viaShortcut = yield* getText().pipe(Effect.provide(clientOn(http, server.url)))
      const viaExecute = yield* getText().pipe(
        Effect.provide(
          clientOn(
            HttpClient.mapRequest(http, (r) => r),
            server.url
          )
        )
      )
      expect(viaShortcut).toBe('{"ok":"é"}')
      expect(viaExecute).toBe(viaShortcut)
      // The joined header "5, 0" is not a count: nobody is paused, on either path.
      const context = yield* Effect.context<never>()
      const answer = yield* Effect.promise(() =>
        BufferedGet.fromClient(http)!({
          origin: server.url,
          path: "/x",
          headers: {},
          signal: new BufferedGet.Abort(),
          maxResponseBytes: 1024,
          context
        })
      )
      expect(answer.status).toBe(200)
      expect(answer.headers["x-rate-limit-remaining"]).toBe("5, 0")
    })
  )

  it.scopedLive("honours NodeHttpClient.UndiciRequestOptions provided around a call", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, _body, res) => json(res, "{}"))
      const client = clientOn(yield* transport, server.url)
      yield* getText().pipe(Effect.provide(client))
      yield* getText().pipe(
        Effect.provide(client),
        // The tag is typed as full request options; method and path are always the request's own.
        Effect.provideService(NodeHttpClient.UndiciRequestOptions, { reset: true } as Undici.Dispatcher.RequestOptions)
      )
      expect(server.seen.map((seen) => seen.headers.connection)).toEqual(["keep-alive", "close"])
    })
  )

  it.scopedLive("a body cut short is a TransportError on both paths", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, _body, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" })
        res.write('{"truncated":')
        setTimeout(() => res.socket?.destroy(), 10)
      })
      const http = yield* transport
      const viaShortcut = yield* Effect.flip(getText().pipe(Effect.provide(clientOn(http, server.url))))
      const viaExecute = yield* Effect.flip(
        getText().pipe(
          Effect.provide(
            clientOn(
              HttpClient.mapRequest(http, (r) => r),
              server.url
            )
          )
        )
      )
      expect(viaShortcut._tag).toBe("TransportError")
      expect(viaExecute._tag).toBe("TransportError")
      expect(viaShortcut.message).toBe(viaExecute.message)
    })
  )

  it.scopedLive("a refused connection is a TransportError naming the cause", () =>
    Effect.gen(function* () {
      const server = yield* serve(() => {})
      const url = server.url
      server.close()
      yield* Effect.sleep("20 millis")
      const error = yield* Effect.flip(getText().pipe(Effect.provide(clientOn(yield* transport, url))))
      expect(error._tag).toBe("TransportError")
      expect(error.message).toContain("ECONNREFUSED")
    })
  )

  it.scopedLive("interrupting a get aborts its request and closes the socket", () =>
    Effect.gen(function* () {
      const server = yield* serve(() => {
        // never answers
      })
      const fiber = yield* Effect.fork(getText().pipe(Effect.provide(clientOn(yield* transport, server.url))))
      while (server.seen.length === 0) yield* Effect.sleep("5 millis")
      expect(server.open()).toBe(1)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
      const deadline = Date.now() + 10_000
      while (server.open() > 0 && Date.now() < deadline) yield* Effect.sleep("5 millis")
      expect(server.open()).toBe(0)
    })
  )

  it.scopedLive("the deadline aborts a hung request: RequestTimeout, and the socket is closed", () =>
    Effect.gen(function* () {
      const server = yield* serve(() => {
        // never answers
      })
      const error = yield* Effect.flip(
        getText().pipe(Effect.provide(clientOn(yield* transport, server.url, "200 millis")))
      )
      expect(error._tag).toBe("RequestTimeout")
      const deadline = Date.now() + 10_000
      while (server.open() > 0 && Date.now() < deadline) yield* Effect.sleep("5 millis")
      expect(server.open()).toBe(0)
    })
  )
})
