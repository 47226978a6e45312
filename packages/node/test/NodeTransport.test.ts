// NodeTransport over real sockets: a node:http server scripted per test for the HttpClient contract
// (bodies, headers, errors, cancellation), then the Voucherify client on it against the emulator.
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import type * as Undici from "@effect/platform-node/Undici"
import { describe, expect, it } from "@effect/vitest"
import { AsyncActionId } from "@voucherify-effect/core"
import { AsyncActions, RetryPolicy, VoucherifyClient } from "@voucherify-effect/http"
import { Emulator } from "@voucherify-effect/testing"
import { Chunk, type Duration, Effect, Exit, Fiber, Layer, Redacted, Stream } from "effect"
import * as NodeTransport from "../src/NodeTransport.js"
import { serve } from "./support.js"

// Polls `check` (a plain test or an effect) until it holds; false if it still fails after `withinMillis`
// (generous: it bounds a loaded machine's scheduling, not the behaviour).
const waitUntil = (check: (() => boolean) | Effect.Effect<boolean>, withinMillis = 10_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + withinMillis
    while (!(Effect.isEffect(check) ? yield* check : check())) {
      if (Date.now() > deadline) return false
      yield* Effect.sleep("5 millis")
    }
    return true
  })

// Each test gets its own agent, so open sockets are its own.
const provideTransport = Effect.provide(NodeTransport.layer)

describe("NodeTransport", () => {
  it.scopedLive("returns status, headers, cookies and the whole body; text, json, arrayBuffer, stream agree", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, _body, res) => {
        res.writeHead(200, {
          "content-type": "application/json; charset=utf-8",
          "x-many": ["a", "b"],
          "set-cookie": ["session=abc; Path=/", "theme=dark"]
        })
        // Written in two chunks, with a pause, so the body arrives in more than one piece.
        res.write('{"name":"caf')
        setTimeout(() => res.end('é","n":1}'), 20)
      })
      const response = yield* HttpClient.get(`${server.url}/thing`)
      expect(response.status).toBe(200)
      expect(response.headers["content-type"]).toBe("application/json; charset=utf-8")
      expect(response.headers["x-many"]).toBe("a, b")
      expect(response.cookies.cookies.session?.value).toBe("abc")
      expect(response.cookies.cookies.theme?.value).toBe("dark")
      expect(yield* response.text).toBe('{"name":"café","n":1}')
      expect(yield* response.json).toEqual({ name: "café", n: 1 })
      const bytes = new Uint8Array(yield* response.arrayBuffer)
      expect(Buffer.from(bytes).toString("utf8")).toBe('{"name":"café","n":1}')
      const streamed = yield* Stream.runCollect(response.stream)
      expect(Buffer.concat(Chunk.toReadonlyArray(streamed)).toString("utf8")).toBe('{"name":"café","n":1}')
    }).pipe(provideTransport)
  )

  it.scopedLive("answers from memory: the body is read before execute returns", () =>
    Effect.gen(function* () {
      let finishedAt = 0
      const server = yield* serve((_req, _body, res) => {
        res.writeHead(200, { "content-type": "text/plain" })
        res.write("first part, ")
        setTimeout(() => {
          finishedAt = Date.now()
          res.end("last part")
        }, 150)
      })
      const response = yield* HttpClient.get(server.url)
      const returnedAt = Date.now()
      expect(finishedAt).toBeGreaterThan(0)
      expect(returnedAt).toBeGreaterThanOrEqual(finishedAt)
      expect(yield* response.text).toBe("first part, last part")
    }).pipe(provideTransport)
  )

  it.scopedLive("keeps binary bodies byte for byte and drops a UTF-8 byte order mark from text only", () =>
    Effect.gen(function* () {
      const binary = Buffer.from([0xef, 0xbb, 0xbf, 0x00, 0xff, 0xfe, 0x80, 0x41])
      const server = yield* serve((req, _body, res) => {
        res.writeHead(200, { "content-type": req.url === "/bin" ? "application/octet-stream" : "text/plain" })
        res.end(req.url === "/bin" ? binary : Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("hello")]))
      })
      const bin = yield* HttpClient.get(`${server.url}/bin`)
      expect(Buffer.from(yield* bin.arrayBuffer).equals(binary)).toBe(true)
      const text = yield* HttpClient.get(`${server.url}/text`)
      expect(yield* text.text).toBe("hello")
    }).pipe(provideTransport)
  )

  it.scopedLive("empty bodies: 204 and an empty 200 read as empty text, null json and an empty stream", () =>
    Effect.gen(function* () {
      const server = yield* serve((req, _body, res) => {
        res.writeHead(req.url === "/none" ? 204 : 200)
        res.end()
      })
      for (const path of ["/none", "/empty"]) {
        const response = yield* HttpClient.get(`${server.url}${path}`)
        expect(yield* response.text).toBe("")
        expect(yield* response.json).toBeNull()
        expect(Chunk.size(yield* Stream.runCollect(response.stream))).toBe(0)
      }
    }).pipe(provideTransport)
  )

  it.scopedLive("sends the method, headers, query and each kind of request body", () =>
    Effect.gen(function* () {
      const server = yield* serve((req, body, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            type: req.headers["content-type"] ?? null,
            custom: req.headers["x-custom"] ?? null,
            body: body.toString("utf8")
          })
        )
      })
      const echo = (request: HttpClientRequest.HttpClientRequest) =>
        Effect.flatMap(HttpClient.execute(request), (response) => response.json)

      expect(
        yield* echo(
          HttpClientRequest.get(`${server.url}/v1/things#fragment`).pipe(
            HttpClientRequest.setUrlParams({ limit: "5", end_date: "2025-01-01T00:00:00.000Z" }),
            HttpClientRequest.setHeader("x-custom", "yes")
          )
        )
      ).toEqual({
        method: "GET",
        url: "/v1/things?limit=5&end_date=2025-01-01T00%3A00%3A00.000Z",
        type: null,
        custom: "yes",
        body: ""
      })
      expect(yield* echo(HttpClientRequest.post(server.url).pipe(HttpClientRequest.bodyText("plain text")))).toEqual(
        expect.objectContaining({ method: "POST", type: "text/plain", body: "plain text" })
      )
      expect(
        yield* echo(HttpClientRequest.put(server.url).pipe(HttpClientRequest.bodyUnsafeJson({ a: [1, 2] })))
      ).toEqual(expect.objectContaining({ method: "PUT", type: "application/json", body: '{"a":[1,2]}' }))
      expect(
        yield* echo(
          HttpClientRequest.post(server.url).pipe(
            HttpClientRequest.bodyStream(Stream.make("chunk-1;", "chunk-2").pipe(Stream.encodeText), {
              contentType: "text/plain"
            })
          )
        )
      ).toEqual(expect.objectContaining({ method: "POST", body: "chunk-1;chunk-2" }))
      const form = new FormData()
      form.set("field", "value")
      const multipart = (yield* echo(
        HttpClientRequest.post(server.url).pipe(HttpClientRequest.bodyFormData(form))
      )) as { type: string; body: string }
      expect(multipart.type).toMatch(/^multipart\/form-data; boundary=/)
      expect(multipart.body).toContain('name="field"')
      expect(multipart.body).toContain("value")
    }).pipe(provideTransport)
  )

  it.scopedLive("reads urlencoded and multipart response bodies as form data", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, _body, res) => {
        res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" })
        res.end("a=1&b=two+words")
      })
      const response = yield* HttpClient.get(server.url)
      expect(yield* response.urlParamsBody).toEqual([
        ["a", "1"],
        ["b", "two words"]
      ])
      expect((yield* response.formData).get("b")).toBe("two words")
    }).pipe(provideTransport)
  )

  it.scopedLive("a body cut short: execute still answers with the status, the body fails with ResponseError", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, _body, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" })
        res.write('{"truncated":')
        setTimeout(() => res.socket?.destroy(), 10)
      })
      const response = yield* HttpClient.get(server.url)
      expect(response.status).toBe(200)
      const error = yield* Effect.flip(response.text)
      expect(error._tag).toBe("ResponseError")
      expect(error.reason).toBe("Decode")
      expect((yield* Effect.flip(response.json))._tag).toBe("ResponseError")
      expect((yield* Effect.flip(Stream.runDrain(response.stream)))._tag).toBe("ResponseError")
    }).pipe(provideTransport)
  )

  it.scopedLive("a refused connection fails with RequestError (Transport)", () =>
    Effect.gen(function* () {
      const server = yield* serve(() => {})
      const url = server.url
      server.close()
      yield* Effect.sleep("20 millis")
      const error = yield* Effect.flip(HttpClient.get(url))
      expect(error._tag).toBe("RequestError")
      expect(error.reason).toBe("Transport")
    }).pipe(provideTransport)
  )

  for (const phase of ["before the headers", "while the body arrives"] as const)
    it.scopedLive(`interruption ${phase} aborts the request and closes its socket`, () =>
      Effect.gen(function* () {
        const server = yield* serve((_req, _body, res) => {
          if (phase === "while the body arrives") {
            res.writeHead(200, { "content-type": "application/json" })
            res.write('{"partial":')
          }
          // ...and never finishes.
        })
        const fiber = yield* Effect.fork(HttpClient.get(server.url))
        expect(yield* waitUntil(() => server.seen.length === 1)).toBe(true)
        yield* Effect.sleep("30 millis")
        expect(server.open()).toBe(1)
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(yield* waitUntil(() => server.open() === 0)).toBe(true)
      }).pipe(provideTransport)
    )

  it.scopedLive("honours NodeHttpClient.UndiciRequestOptions provided around a request", () =>
    Effect.gen(function* () {
      const server = yield* serve((req, _body, res) => {
        res.writeHead(200, { "content-type": "text/plain" })
        res.end(req.headers.connection ?? "none")
      })
      const plain = yield* Effect.flatMap(HttpClient.get(server.url), (r) => r.text)
      const reset = yield* Effect.flatMap(HttpClient.get(server.url), (r) => r.text).pipe(
        // The tag is typed as full request options; method and path are always the request's own.
        Effect.provideService(NodeHttpClient.UndiciRequestOptions, { reset: true } as Undici.Dispatcher.RequestOptions)
      )
      expect(plain).toBe("keep-alive")
      expect(reset).toBe("close")
    }).pipe(provideTransport)
  )
})

describe("the Voucherify client on NodeTransport, against the emulator", () => {
  const clientOn = (emu: Emulator.EmulatorHandle, requestTimeout: Duration.DurationInput = "10 seconds") =>
    AsyncActions.layer.pipe(
      Layer.provide(
        VoucherifyClient.layer({
          apiUrl: emu.url,
          appId: emu.appId,
          secretKey: emu.secretKey,
          requestTimeout
        })
      ),
      Layer.provide(NodeTransport.layer)
    )

  it.scopedLive("streams a history with ties: every id once, in the server's order", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 1500, seedValue: 3 })
      const all = emu.state.all()
      expect(all.length - new Set(all.map((a) => a.createdAt)).size).toBeGreaterThan(0)
      const ids = yield* AsyncActions.stream({ pageSize: 100 }).pipe(
        Stream.map((action) => action.id as string),
        Stream.runCollect,
        Effect.provide(clientOn(emu))
      )
      expect(Chunk.toReadonlyArray(ids)).toEqual(all.map((a) => a.id))
    })
  )

  it.scopedLive("get decodes an action; an unknown id is the typed NotFound", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 3 })
      const first = emu.state.all()[0]!
      const layer = clientOn(emu)
      const action = yield* AsyncActions.get(first.id).pipe(Effect.provide(layer))
      expect(action.id).toBe(first.id)
      expect(action.type).toBe(first.type)
      const missing = yield* AsyncActions.get(AsyncActionId.make("aa_0000000000000000ffff")).pipe(
        Effect.provide(layer),
        Effect.flip
      )
      expect(missing._tag).toBe("NotFound")
    })
  )

  it.scopedLive("the per-request deadline aborts a hung request: RequestTimeout, and no socket left open", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 3, faults: { hang: 1 } })
      const started = Date.now()
      const error = yield* AsyncActions.list({ limit: 5 }).pipe(
        RetryPolicy.withPolicy(RetryPolicy.none),
        Effect.provide(clientOn(emu, "300 millis")),
        Effect.flip
      )
      expect(error._tag).toBe("RequestTimeout")
      // Far below the 30 s default: the 300 ms deadline ended it (the exact instant is the reliability
      // suite's TestClock test; wall time here includes a loaded machine's scheduling).
      const elapsed = Date.now() - started
      expect(elapsed, `RequestTimeout after ${elapsed} ms`).toBeLessThan(10_000)
      expect(yield* waitUntil(Effect.map(emu.openConnections, (open) => open === 0))).toBe(true)
    })
  )

  it.scopedLive("a wrong secret is the typed Unauthorized, and the secret is not in its renderings", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 3, appId: "app-1", secretKey: "sk_node_S3CR3T_never_print" })
      const wrong = AsyncActions.layer.pipe(
        Layer.provide(
          VoucherifyClient.layer({ apiUrl: emu.url, appId: "app-1", secretKey: Redacted.make("sk_wrong_S3CR3T") })
        ),
        Layer.provide(NodeTransport.layer)
      )
      const error = yield* AsyncActions.list({ limit: 1 }).pipe(Effect.provide(wrong), Effect.flip)
      expect(error._tag).toBe("Unauthorized")
      expect(JSON.stringify(error)).not.toContain("sk_wrong_S3CR3T")
      expect(String(error)).not.toContain("sk_wrong_S3CR3T")
    })
  )
})
