// The client against hostile and broken servers, on the scripted HttpClient: redirects, bodies over the
// limit, servers that ignore `end_date`, server text with escapes or the secret, far-future rate-limit
// headers, and configuration that must not echo a value. (Real sockets: apps/reliability.)
import { FetchHttpClient, HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { ResponseLimit } from "@voucherify-effect/core"
import { Chunk, ConfigProvider, Effect, Either, Fiber, Layer, Redacted, Stream, TestClock } from "effect"
import * as AsyncActions from "../src/AsyncActions.js"
import * as RetryPolicy from "../src/RetryPolicy.js"
import * as VoucherifyClient from "../src/VoucherifyClient.js"
import * as VoucherifyConfig from "../src/VoucherifyConfig.js"
import { actionJson, appId, clientLayer, type Reply, scripted, secretKey, validId } from "./support.js"

const getOnce = (reply: Reply, options: Parameters<typeof clientLayer>[1] = {}) => {
  const script = scripted(() => reply)
  return AsyncActions.get(validId).pipe(
    RetryPolicy.withPolicy(RetryPolicy.none),
    Effect.flip,
    Effect.provide(clientLayer(script, options)),
    Effect.map((error) => ({ error, requests: script.requests }))
  )
}

// The client on a given HttpClient.
const on = (client: HttpClient.HttpClient) =>
  AsyncActions.layer.pipe(
    Layer.provide(
      VoucherifyClient.layer({ apiUrl: "https://api.voucherify.io", appId, secretKey: Redacted.make(secretKey) })
    ),
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
  )

describe("redirects", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it.effect(`${status} is UnexpectedStatus naming the Location origin, never retried`, () =>
      Effect.gen(function* () {
        const { error, requests } = yield* getOnce({
          status,
          headers: { location: `http://evil.example:8080/v1/steal?token=${secretKey}` }
        })
        expect(error).toMatchObject({ _tag: "UnexpectedStatus", status, location: "http://evil.example:8080" })
        expect(error.message).toContain("Redirect not followed")
        expect(error.message).not.toContain(secretKey)
        expect(requests).toHaveLength(1)
      })
    )
  }

  it.effect("asks fetch not to follow, keeping the caller's RequestInit", () =>
    Effect.gen(function* () {
      let seen: RequestInit | undefined
      const client = HttpClient.make((request, _url, _signal, fiber) => {
        seen = fiber.currentContext.unsafeMap.get(FetchHttpClient.RequestInit.key) as RequestInit | undefined
        return Effect.succeed(
          HttpClientResponse.fromWeb(
            request,
            new Response(JSON.stringify(actionJson({ id: validId })), {
              headers: { "content-type": "application/json" }
            })
          )
        )
      })
      yield* AsyncActions.get(validId).pipe(
        Effect.provide(on(client)),
        Effect.provideService(FetchHttpClient.RequestInit, { keepalive: true, redirect: "follow" })
      )
      expect(seen).toEqual({ keepalive: true, redirect: "manual" })
    })
  )

  it.effect("refuses the answer of a transport that followed a redirect anyway", () =>
    Effect.gen(function* () {
      const client = HttpClient.make((request) => {
        const followed = new Response(JSON.stringify(actionJson({ id: validId })), { status: 200 })
        Object.defineProperty(followed, "redirected", { value: true })
        Object.defineProperty(followed, "url", { value: "http://127.0.0.1:9/v1/async-actions/x" })
        return Effect.succeed(HttpClientResponse.fromWeb(request, followed))
      })
      const error = yield* AsyncActions.get(validId).pipe(Effect.flip, Effect.provide(on(client)))
      expect(error).toMatchObject({ _tag: "UnexpectedStatus", location: "http://127.0.0.1:9" })
    })
  )
})

describe("response size limit", () => {
  it.effect("a Content-Length over the limit fails TooLarge before the body is read, not retried", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({
        status: 200,
        raw: "{}",
        headers: { "content-length": String(5 * 1024 * 1024) }
      }))
      const error = yield* AsyncActions.get(validId).pipe(Effect.flip, Effect.provide(clientLayer(script)))
      expect(error).toMatchObject({ _tag: "InvalidResponse", reason: "TooLarge", status: 200 })
      expect(error.message).toContain(`${ResponseLimit.defaultMaxResponseBytes}-byte limit`)
      expect(script.requests).toHaveLength(1)
    })
  )

  it.effect("a streamed body is counted and abandoned past the configured limit, any status", () =>
    Effect.gen(function* () {
      for (const status of [200, 500]) {
        const { error } = yield* getOnce({ status, raw: "x".repeat(4096) }, { maxResponseBytes: 2048 })
        expect(error).toMatchObject({ _tag: "InvalidResponse", reason: "TooLarge", status })
      }
      // At the limit exactly: read.
      const padded = JSON.stringify(actionJson({ id: validId }))
      const script = scripted(() => ({ status: 200, raw: padded.padEnd(2048, " ") }))
      const action = yield* AsyncActions.get(validId).pipe(
        Effect.provide(clientLayer(script, { maxResponseBytes: 2048 }))
      )
      expect(action.id).toBe(validId)
    })
  )
})

describe("server text", () => {
  it.effect("error bodies and headers reach the message as one bounded line, without escapes or the secret", () =>
    Effect.gen(function* () {
      const { error } = yield* getOnce({
        status: 429,
        headers: { "x-rate-limit-type": `api\u001b[2Kcalls ${secretKey}`, "retry-after": "1" },
        body: {
          code: 429,
          key: "\u001b]0;pwned\u0007",
          message: `echo: X-App-Token: ${secretKey}; X-App-Id: ${appId}-long`,
          details: "d".repeat(100_000)
        }
      })
      const message = error.message
      expect(message).not.toContain(secretKey)
      expect(message).toContain("<redacted>")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may survive
      expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
      expect(message).toContain("\\x1b]0;pwned\\x07")
      expect(message.length).toBeLessThan(2500)
      // The error's fields themselves are clean (they reach logs and JSON output as they are).
      expect(JSON.stringify(error)).not.toContain(secretKey)
    })
  )

  it.effect("a body excerpt in InvalidResponse is sanitised with the secret redacted", () =>
    Effect.gen(function* () {
      const { error } = yield* getOnce({ status: 200, raw: `<html>\u001b[31m${secretKey}</html>` })
      expect(error._tag).toBe("InvalidResponse")
      expect(JSON.stringify(error)).not.toContain(secretKey)
      expect(error.message).toContain("\\x1b[31m<redacted>")
    })
  )
})

describe("server that ignores end_date", () => {
  const newest = Array.from({ length: 10 }, (_, i) =>
    actionJson({ created_at: new Date(Date.UTC(2024, 4, 1, 10, 0, 10 - i)).toISOString() })
  )

  it.effect("never emits an action twice and ends with PaginationStalled on the second page", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({
        status: 200,
        body: { object: "list", data_ref: "async_actions", async_actions: newest, has_more: true }
      }))
      const emitted: Array<string> = []
      const error = yield* AsyncActions.stream({ pageSize: 10 }).pipe(
        Stream.runForEach((action) => Effect.sync(() => emitted.push(action.id))),
        Effect.flip,
        Effect.provide(clientLayer(script))
      )
      expect(error).toMatchObject({ _tag: "PaginationStalled", pages: 2 })
      expect(new Set(emitted).size).toBe(emitted.length)
      expect(emitted).toHaveLength(10)
      expect(script.requests).toHaveLength(2)
    })
  )

  it.effect("actions newer than a caller's end_date are not emitted", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({
        status: 200,
        body: { object: "list", data_ref: "async_actions", async_actions: newest, has_more: false }
      }))
      const ids = yield* AsyncActions.stream({ pageSize: 10, endDate: new Date(Date.UTC(2024, 4, 1, 10, 0, 5)) }).pipe(
        Stream.map((a) => a.id),
        Stream.runCollect,
        Effect.provide(clientLayer(script))
      )
      expect(Chunk.toReadonlyArray(ids)).toEqual(newest.slice(5).map((a) => a.id))
    })
  )
})

describe("rate-limit headers", () => {
  it.effect("a 200 with Remaining 0 and a far-future X-Rate-Limit-Retry pauses the next call about a second", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({
        status: 200,
        body: actionJson({ id: validId }),
        headers: { "x-rate-limit-remaining": "0", "x-rate-limit-retry": "99999999999" }
      }))
      const fiber = yield* Effect.gen(function* () {
        yield* AsyncActions.get(validId)
        yield* AsyncActions.get(validId)
      }).pipe(Effect.provide(clientLayer(script)), Effect.fork)
      yield* TestClock.adjust("2 minutes")
      yield* Fiber.join(fiber)
      expect(script.requests[1]!.at - script.requests[0]!.at).toBeLessThanOrEqual(1000)
    })
  )
})

describe("configuration", () => {
  it("never echoes a value, even one put in the wrong variable", () => {
    const load = (env: Record<string, string>) =>
      Effect.runSync(
        VoucherifyConfig.load().pipe(
          Effect.flip,
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
        )
      )
    const timeout = load({ VOUCHERIFY_APP_ID: appId, VOUCHERIFY_REQUEST_TIMEOUT: secretKey })
    expect(timeout.message).toContain("VOUCHERIFY_REQUEST_TIMEOUT is not valid")
    expect(timeout.message).not.toContain(secretKey)
    const size = load({ VOUCHERIFY_MAX_RESPONSE_BYTES: secretKey })
    expect(size.message).toContain("VOUCHERIFY_MAX_RESPONSE_BYTES")
    expect(size.message).not.toContain(secretKey)
    const url = load({ VOUCHERIFY_API_URL: `http://${secretKey.toLowerCase().replace(/_/g, "-")}.example` })
    expect(url.message).not.toContain(secretKey.toLowerCase().replace(/_/g, "-"))
  })

  it("refuses credentials that cannot be sent as a header value", () => {
    for (const bad of ["sk\u0001x", "sk\u0100x", "sk_ümlaut", " sk_padded", "sk_padded ", "sk\tx", "sk\u007fx"]) {
      const result = VoucherifyConfig.make({ appId, secretKey: Redacted.make(bad) })
      if (Either.isRight(result)) throw new Error(`accepted ${JSON.stringify(bad)}`)
      expect(result.left).toMatchObject({ _tag: "InvalidConfig", field: "secretKey" })
      expect(result.left.message).not.toContain(bad)
      const token = VoucherifyConfig.make({ accessToken: Redacted.make(bad) })
      expect(Either.isLeft(token)).toBe(true)
    }
    expect(Either.isRight(VoucherifyConfig.make({ appId, secretKey: Redacted.make("sk with inner space") }))).toBe(true)
  })

  it("validates maxResponseBytes", () => {
    for (const bad of [0, 100, 1.5, 2 ** 40, Number.NaN]) {
      expect(
        VoucherifyConfig.make({ appId, secretKey: Redacted.make(secretKey), maxResponseBytes: bad })
      ).toMatchObject({
        _tag: "Left",
        left: { field: "maxResponseBytes" }
      })
    }
  })
})
