// NodeTransport's body limit over real sockets: a body over the limit is refused (announced) or abandoned
// (chunked) with `ResponseTooLarge`, its connection closed, and the Voucherify client turns that into a
// typed, non-retried `InvalidResponse` (reason TooLarge). Redirects are answers, never followed.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { HttpClient, HttpClientError } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { AsyncActionId, ResponseLimit } from "@voucherify-effect/core"
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { Effect, Layer, Redacted } from "effect"
import * as NodeTransport from "../src/NodeTransport.js"

interface Served {
  readonly url: string
  readonly requests: Array<IncomingMessage["headers"]>
  /** Resolves when the server saw its response's connection closed before the body ended. */
  readonly aborted: Promise<number>
}

// A loopback server for one test; `aborted` reports the bytes it had written when the client hung up.
const serve = (handler: (req: IncomingMessage, res: ServerResponse, sent: (n: number) => void) => void) =>
  Effect.acquireRelease(
    Effect.async<Served & { readonly close: () => void }>((resume) => {
      const requests: Array<IncomingMessage["headers"]> = []
      let resolveAborted: (n: number) => void = () => {}
      const aborted = new Promise<number>((resolve) => {
        resolveAborted = resolve
      })
      const server = createServer((req, res) => {
        requests.push(req.headers)
        let written = 0
        res.on("close", () => {
          if (!res.writableFinished) resolveAborted(written)
        })
        handler(req, res, (n) => {
          written += n
        })
      })
      server.listen(0, "127.0.0.1", () =>
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            requests,
            aborted,
            close: () => {
              server.closeAllConnections()
              server.close()
            }
          })
        )
      )
    }),
    (server) => Effect.sync(server.close)
  )

// Writes 64 KiB chunks until the client goes away.
const endless = (_req: IncomingMessage, res: ServerResponse, sent: (n: number) => void) => {
  res.writeHead(200, { "content-type": "application/json" })
  const chunk = Buffer.alloc(64 * 1024, 0x20)
  const write = () => {
    while (!res.destroyed && res.write(chunk)) sent(chunk.length)
    if (!res.destroyed) res.once("drain", write)
  }
  write()
}

const tooLargeCause = (error: unknown) =>
  error instanceof HttpClientError.ResponseError && ResponseLimit.isResponseTooLarge(error.cause)
    ? error.cause
    : undefined

describe("NodeTransport body limit", () => {
  it.scoped("refuses a Content-Length over the limit without reading the body", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": String(300 * 1024 * 1024) })
        res.write(Buffer.alloc(1024, 0x20))
      })
      const response = yield* HttpClient.get(server.url)
      const error = yield* Effect.flip(response.text)
      expect(tooLargeCause(error)).toMatchObject({
        limit: ResponseLimit.defaultMaxResponseBytes,
        declared: 300 * 1024 * 1024
      })
      expect(yield* Effect.promise(() => server.aborted)).toBeLessThan(1024 * 1024)
    }).pipe(Effect.provide(NodeTransport.layer))
  )

  it.scoped("abandons an endless chunked body at the limit of the request's context, closing the connection", () =>
    Effect.gen(function* () {
      const server = yield* serve(endless)
      const response = yield* HttpClient.get(server.url).pipe(
        Effect.provideService(ResponseLimit.MaxResponseBytes, 256 * 1024)
      )
      const error = yield* Effect.flip(response.text)
      expect(tooLargeCause(error)).toMatchObject({ limit: 256 * 1024 })
      const written = yield* Effect.promise(() => server.aborted)
      // What the server managed to write before the abort reached it: socket buffers, not the whole body.
      expect(written).toBeLessThan(64 * 1024 * 1024)
    }).pipe(Effect.provide(NodeTransport.layer))
  )

  it.scoped("the client fails with InvalidResponse TooLarge at its configured limit, without retrying", () =>
    Effect.gen(function* () {
      const server = yield* serve(endless)
      const layer = AsyncActions.layer.pipe(
        Layer.provide(
          VoucherifyClient.layer({
            apiUrl: server.url,
            appId: "app-1",
            secretKey: Redacted.make("sk_test_limit"),
            maxResponseBytes: 64 * 1024
          })
        ),
        Layer.provide(NodeTransport.layer)
      )
      const error = yield* AsyncActions.AsyncActions.pipe(
        Effect.flatMap((api) => api.get(AsyncActionId.make("aa_0c5564b67d0e571534"))),
        Effect.flip,
        Effect.provide(layer)
      )
      expect(error._tag).toBe("InvalidResponse")
      expect(error).toMatchObject({ reason: "TooLarge", status: 200 })
      expect(error.message).toContain("65536-byte limit")
      expect(server.requests).toHaveLength(1)
    })
  )

  it.scoped("answers a redirect as a typed error naming where it pointed; the target sees nothing", () =>
    Effect.gen(function* () {
      const target = yield* serve((_req, res) => res.end("{}"))
      const origin = yield* serve((_req, res) => {
        res.writeHead(307, { location: `${target.url.replace("127.0.0.1", "localhost")}/v1/steal?x=1` })
        res.end()
      })
      const layer = AsyncActions.layer.pipe(
        Layer.provide(
          VoucherifyClient.layer({ apiUrl: origin.url, appId: "app-1", secretKey: Redacted.make("sk_test_redirect") })
        ),
        Layer.provide(NodeTransport.layer)
      )
      const error = yield* AsyncActions.AsyncActions.pipe(
        Effect.flatMap((api) => api.get(AsyncActionId.make("aa_0c5564b67d0e571534"))),
        Effect.flip,
        Effect.provide(layer)
      )
      expect(error).toMatchObject({
        _tag: "UnexpectedStatus",
        status: 307,
        location: target.url.replace("127.0.0.1", "localhost")
      })
      expect(error.message).toContain("Redirect not followed")
      expect(target.requests).toHaveLength(0)
      expect(origin.requests).toHaveLength(1)
    })
  )
})
