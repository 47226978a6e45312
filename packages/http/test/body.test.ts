// Reading a body under the size limit on the platform's fetch client, over a real loopback server: the web
// `Response`'s reader is read directly (never `response.stream`), decodes exactly like `Response.text()`
// and like the generic stream path, and is cancelled (the server sees the connection dropped) past the
// limit and on interruption, with the request's scope still open.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { FetchHttpClient, HttpClient, type HttpClientError, type HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { AsyncActionId, ResponseLimit } from "@voucherify-effect/core"
import { Deferred, Effect, Exit, Fiber, FiberId, Layer, Redacted } from "effect"
import * as AsyncActions from "../src/AsyncActions.js"
import * as Body from "../src/internal/body.js"
import * as RetryPolicy from "../src/RetryPolicy.js"
import * as VoucherifyClient from "../src/VoucherifyClient.js"

// How one request ended on the server: finished (every byte written) or dropped by the client first.
type Ending = "finished" | "dropped"

interface Server {
  readonly url: string
  // The ending of the next response the server closes.
  readonly ended: Effect.Effect<Ending>
}

// A loopback server on port 0 for the test's scope; `handler` writes the response.
const serve = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
  Effect.gen(function* () {
    const endings: Array<Deferred.Deferred<Ending>> = []
    const next = (i: number) => {
      while (endings.length <= i) endings.push(Deferred.unsafeMake<Ending>(FiberId.none))
      return endings[i]!
    }
    let served = 0
    let observed = 0
    const server = createServer((req, res) => {
      const ending = next(served++)
      res.on("close", () => Deferred.unsafeDone(ending, Exit.succeed(res.writableFinished ? "finished" : "dropped")))
      handler(req, res)
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}`,
      ended: Effect.suspend(() => Deferred.await(next(observed++)))
    } satisfies Server
  })

// The platform's fetch client, scoped as the library runs it: the request's connection lives as long as
// the test's scope, so only the body reader itself can drop it earlier.
const fetchResponse = (url: string, method: "GET" | "HEAD" = "GET") =>
  Effect.gen(function* () {
    const client = HttpClient.withScope(yield* HttpClient.HttpClient)
    return yield* method === "GET" ? client.get(url) : client.head(url)
  }).pipe(Effect.provide(FetchHttpClient.layer))

// The same response seen as a transport that is not fetch would hand it over: only the generic parts.
const generic = (response: HttpClientResponse.HttpClientResponse): HttpClientResponse.HttpClientResponse =>
  ({
    request: response.request,
    status: response.status,
    get headers() {
      return response.headers
    },
    get stream() {
      return response.stream
    }
  }) as unknown as HttpClientResponse.HttpClientResponse

// The direct path must not touch `response.stream`: reading it fails the test.
const withoutStream = (response: HttpClientResponse.HttpClientResponse) =>
  Object.defineProperty(response, "stream", {
    get: () => {
      throw new Error("the generic stream path was taken")
    }
  })

const writeBytes = (res: ServerResponse, parts: ReadonlyArray<Uint8Array>, delayMillis = 5) => {
  res.writeHead(200, { "content-type": "application/json" })
  const step = (i: number) => {
    if (i === parts.length) return res.end()
    res.write(parts[i])
    setTimeout(() => step(i + 1), delayMillis)
  }
  step(0)
}

// Writes forever, minding backpressure, until the client drops the connection.
const endless = (res: ServerResponse, headers: Record<string, string> = {}) => {
  res.writeHead(200, { "content-type": "application/json", ...headers })
  const chunk = Buffer.alloc(16 * 1024, 0x61)
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) {}
    if (!res.destroyed) res.once("drain", pump)
  }
  pump()
}

const bytes = (...parts: ReadonlyArray<number | string>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from([p]))))

const tooLargeCause = (error: HttpClientError.ResponseError) => {
  expect(error).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
  expect(ResponseLimit.isResponseTooLarge(error.cause)).toBe(true)
  return error.cause as ResponseLimit.ResponseTooLarge
}

// Generous: the machine is shared; the figure is what matters when it fails.
const withinSeconds = <A>(effect: Effect.Effect<A>, what: string) =>
  effect.pipe(
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error(`timed out waiting for ${what}`) }),
    Effect.orDie
  )

describe("reading a fetch body", () => {
  it.scopedLive("reads the web Response's body directly, not through response.stream", () =>
    Effect.gen(function* () {
      const text = JSON.stringify({ id: "aa_1", padding: "x".repeat(200_000) })
      const server = yield* serve((_req, res) => res.end(text))
      const response = withoutStream(yield* fetchResponse(server.url))
      expect(yield* Body.text(response, 1024 * 1024)).toBe(text)
      expect(yield* server.ended).toBe("finished")
    })
  )

  it.scopedLive("decodes like Response.text() and the generic path: BOM dropped, malformed bytes replaced", () =>
    Effect.gen(function* () {
      // One character split over chunks (é, 😀), a BOM, an invalid byte, a stray continuation byte, a
      // truncated sequence at the very end.
      const cases: Record<string, ReadonlyArray<Uint8Array>> = {
        bom: [bytes(0xef, 0xbb), bytes(0xbf, '{"a":"b"}')],
        split: [bytes('{"a":"caf', 0xc3), bytes(0xa9, " ", 0xf0, 0x9f), bytes(0x98, 0x80, '"}')],
        malformed: [bytes('{"a":"', 0xff, "x", 0x80), bytes('"}', 0xe2, 0x82)],
        empty: []
      }
      const server = yield* serve((req, res) => writeBytes(res, cases[req.url!.slice(1)]!))
      for (const name of Object.keys(cases)) {
        const url = `${server.url}/${name}`
        const reference = yield* Effect.promise(() => fetch(url).then((r) => r.text()))
        const direct = yield* Body.text(withoutStream(yield* fetchResponse(url)), 1024)
        const viaStream = yield* Body.text(generic(yield* fetchResponse(url)), 1024)
        expect({ name, direct }).toEqual({ name, direct: reference })
        expect({ name, viaStream }).toEqual({ name, viaStream: reference })
      }
      // Not vacuous: the cases do hit a BOM, a split character and replacements.
      const read = (name: string) =>
        Effect.flatMap(fetchResponse(`${server.url}/${name}`), (response) => Body.text(response, 1024))
      expect(yield* read("bom")).toBe('{"a":"b"}')
      expect(yield* read("split")).toBe('{"a":"café 😀"}')
      expect(yield* read("malformed")).toBe('{"a":"\uFFFDx\uFFFD"}\uFFFD')
      expect(yield* read("empty")).toBe("")
    })
  )

  it.scopedLive("a body without a size passing the limit fails TooLarge and the connection is dropped at once", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, res) => endless(res))
      const response = withoutStream(yield* fetchResponse(server.url))
      const error = yield* Effect.flip(Body.text(response, 64 * 1024))
      const cause = tooLargeCause(error)
      expect(cause.limit).toBe(64 * 1024)
      expect(cause.declared).toBeUndefined()
      // The test's scope (the request's) is still open: only the cancelled reader can have dropped it.
      expect(yield* withinSeconds(server.ended, "the server to see the connection dropped")).toBe("dropped")
    })
  )

  it.scopedLive("a Content-Length over the limit fails TooLarge before reading, and drops the connection", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, res) => endless(res, { "content-length": String(300 * 1024 * 1024) }))
      const response = withoutStream(yield* fetchResponse(server.url))
      const error = yield* Effect.flip(Body.text(response, 64 * 1024))
      expect(tooLargeCause(error)).toMatchObject({ limit: 64 * 1024, declared: 300 * 1024 * 1024 })
      expect(yield* withinSeconds(server.ended, "the server to see the connection dropped")).toBe("dropped")
    })
  )

  it.scopedLive("at the limit exactly, the body is read", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, res) => writeBytes(res, [bytes("a".repeat(1000)), bytes("b".repeat(1048))]))
      const text = yield* Body.text(withoutStream(yield* fetchResponse(server.url)), 2048)
      expect(text).toHaveLength(2048)
      const error = yield* Effect.flip(Body.text(withoutStream(yield* fetchResponse(server.url)), 2047))
      expect(tooLargeCause(error)).toMatchObject({ limit: 2047 })
    })
  )

  it.scopedLive("a response without a body (204, 304, HEAD) reads as empty text", () =>
    Effect.gen(function* () {
      const server = yield* serve((req, res) => {
        const status = Number(req.url!.slice(1))
        res.writeHead(status, status === 200 ? { "content-length": "42" } : {})
        res.end()
      })
      for (const [status, method] of [
        [204, "GET"],
        [304, "GET"],
        [200, "HEAD"]
      ] as const) {
        const response = withoutStream(yield* fetchResponse(`${server.url}/${status}`, method))
        expect(response.status).toBe(status)
        expect(yield* Body.text(response, 1024)).toBe("")
      }
    })
  )

  it.scopedLive("a body cut short fails with the same ResponseError as the generic path", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, res) => {
        res.writeHead(200, { "content-length": "1000" })
        res.write("x".repeat(100), () => setTimeout(() => res.destroy(), 20))
      })
      const direct = yield* Effect.flip(Body.text(withoutStream(yield* fetchResponse(server.url)), 4096))
      const viaStream = yield* Effect.flip(Body.text(generic(yield* fetchResponse(server.url)), 4096))
      const shape = (error: HttpClientError.ResponseError) => ({
        tag: error._tag,
        reason: error.reason,
        cause: error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : String(error.cause)
      })
      expect(shape(direct)).toEqual(shape(viaStream))
      expect(shape(direct)).toMatchObject({ tag: "ResponseError", reason: "Decode", cause: "TypeError: terminated" })
    })
  )

  it.scopedLive("interrupting the read cancels it: the server sees the connection dropped", () =>
    Effect.gen(function* () {
      const firstChunk = yield* Deferred.make<void>()
      const server = yield* serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        // One chunk, then silence: the read waits for more.
        res.write('{"a":', () => Deferred.unsafeDone(firstChunk, Exit.void))
      })
      const response = withoutStream(yield* fetchResponse(server.url))
      const reading = yield* Effect.fork(Body.text(response, 1024))
      yield* Deferred.await(firstChunk)
      yield* Effect.sleep("50 millis")
      expect(reading.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(reading)
      expect(yield* withinSeconds(server.ended, "the server to see the connection dropped")).toBe("dropped")
    })
  )
})

describe("the client on fetch, over a real socket", () => {
  const id = AsyncActionId.make("aa_0a1b2c3d4e5f6a7b")
  const getOn = (url: string, maxResponseBytes?: number) =>
    AsyncActions.get(id).pipe(
      RetryPolicy.withPolicy(RetryPolicy.none),
      Effect.flip,
      Effect.provide(
        AsyncActions.layer.pipe(
          Layer.provide(
            VoucherifyClient.layer({
              apiUrl: url,
              appId: "app-1",
              secretKey: Redacted.make("sk-1"),
              ...(maxResponseBytes === undefined ? {} : { maxResponseBytes })
            })
          ),
          Layer.provide(FetchHttpClient.layer)
        )
      )
    )

  it.live("a body passing the limit is InvalidResponse TooLarge; a body cut short is a TransportError", () =>
    Effect.gen(function* () {
      const over = yield* serve((_req, res) => endless(res))
      expect(yield* getOn(over.url, 64 * 1024)).toMatchObject({ _tag: "InvalidResponse", reason: "TooLarge" })
      expect(yield* withinSeconds(over.ended, "the server to see the connection dropped")).toBe("dropped")
      const cut = yield* serve((_req, res) => {
        res.writeHead(200, { "content-length": "1000" })
        res.write("x".repeat(100), () => setTimeout(() => res.destroy(), 20))
      })
      expect(yield* getOn(cut.url)).toMatchObject({
        _tag: "TransportError",
        reason: expect.stringMatching(/^Decode \(terminated/)
      })
    }).pipe(Effect.scoped)
  )
})
