import { describe, expect, it } from "@effect/vitest"
import { VoucherifyError } from "@voucherify-effect/core"
import { Cause, type Duration, Effect, Either, Exit, Fiber, Option, Redacted, TestClock } from "effect"
import * as AsyncActions from "../src/AsyncActions.js"
import { version } from "../src/internal/version.js"
import * as RateLimit from "../src/RateLimit.js"
import * as RetryPolicy from "../src/RetryPolicy.js"
import * as VoucherifyClient from "../src/VoucherifyClient.js"
import { actionJson, appId, clientLayer, type Reply, recordSpans, scripted, secretKey, validId } from "./support.js"

const getOnce = (reply: Reply | ((i: number) => Reply)) => {
  const script = scripted((_, i) => (typeof reply === "function" ? reply(i) : reply))
  return {
    script,
    run: AsyncActions.get(validId).pipe(RetryPolicy.withPolicy(RetryPolicy.none), Effect.provide(clientLayer(script)))
  }
}

describe("VoucherifyClient", () => {
  it.effect("sends the documented headers and decodes the typed result", () =>
    Effect.gen(function* () {
      const { script, run } = getOnce({
        status: 200,
        body: actionJson({ id: validId, result: { message: "ok", done_count: 1, failed_count: 0, failed: [] } })
      })
      const action = yield* run
      expect(action.id).toBe(validId)
      expect(action.result?._tag).toBe("Import")
      const [request] = script.requests
      expect(request?.url.toString()).toBe(`https://api.voucherify.io/v1/async-actions/${validId}`)
      expect(request?.headers["x-app-id"]).toBe(appId)
      expect(request?.headers["x-app-token"]).toBe(secretKey)
      expect(request?.headers.accept).toBe("application/json")
      expect(request?.headers["user-agent"]).toBe(`voucherify-effect/${version}`)
      expect(request?.headers["x-voucherify-channel"]).toBe(`voucherify-effect/${version}`)
      expect(request?.headers["x-voucherify-api-version"]).toBeUndefined()
      // Trace context stays inside the caller's system.
      expect(request?.headers.traceparent).toBeUndefined()
      expect(request?.headers.b3).toBeUndefined()
    })
  )

  it.effect("sends a bearer token and the API version when configured", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({ status: 200, body: actionJson({ id: validId }) }))
      yield* AsyncActions.get(validId).pipe(
        Effect.provide(
          clientLayer(script, {
            appId: undefined,
            secretKey: undefined,
            accessToken: Redacted.make("tok-1"),
            apiVersion: "v2018-08-01"
          })
        )
      )
      expect(script.requests[0]?.headers.authorization).toBe("Bearer tok-1")
      expect(script.requests[0]?.headers["x-app-token"]).toBeUndefined()
      expect(script.requests[0]?.headers["x-voucherify-api-version"]).toBe("v2018-08-01")
    })
  )

  describe("maps every status to its tagged error", () => {
    const cases: ReadonlyArray<readonly [number, string]> = [
      [400, "BadRequest"],
      [401, "Unauthorized"],
      [402, "UnexpectedStatus"],
      [403, "Forbidden"],
      [404, "NotFound"],
      [405, "UnexpectedStatus"],
      [409, "UnexpectedStatus"],
      [413, "UnexpectedStatus"],
      [429, "RateLimited"],
      [500, "ServerError"],
      [502, "ServerError"],
      [503, "ServerError"],
      [504, "ServerError"],
      [301, "UnexpectedStatus"]
    ]
    for (const [status, tag] of cases) {
      it.effect(`${status} → ${tag}`, () =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(
            getOnce({ status, body: { code: status, message: "m", key: "k", request_id: "v-req1" } }).run
          )
          expect(error._tag).toBe(tag)
          expect(error.message).toContain(String(status))
          expect(error.message).toContain("v-req1")
        })
      )
    }
  })

  it.effect("keeps the API key and details of a 400, and the resource of a 404", () =>
    Effect.gen(function* () {
      const bad = yield* Effect.flip(
        getOnce({
          status: 400,
          body: {
            code: 400,
            key: "invalid_query_params",
            message: "Invalid query params",
            details: "Property .end_date cannot be recognized",
            request_id: "v-1"
          }
        }).run
      )
      expect(bad._tag).toBe("BadRequest")
      if (bad._tag !== "BadRequest") return
      expect(bad.body?.key).toBe("invalid_query_params")
      expect(bad.body?.details).toContain("end_date")
      expect(bad.message).toContain("invalid_query_params")
      const missing = yield* Effect.flip(
        getOnce({
          status: 404,
          body: {
            code: 404,
            key: "not_found",
            message: "Resource not found",
            resource_id: validId,
            resource_type: "async_action"
          }
        }).run
      )
      expect(missing._tag === "NotFound" && missing.body?.resourceId).toBe(validId)
    })
  )

  it.effect("reads Retry-After and the limit type of a 429", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        getOnce({
          status: 429,
          body: { code: 429, message: "Too many requests hit the API too quickly." },
          headers: { "retry-after": "7", "x-rate-limit-type": "api_calls" }
        }).run
      )
      expect(error._tag === "RateLimited" && error.retryAfterMillis).toBe(7000)
      expect(error._tag === "RateLimited" && error.limitType).toBe("api_calls")
    })
  )

  it.effect("an error body that is not JSON still maps by status", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        getOnce({ status: 502, raw: "<html>Bad gateway</html>", headers: { "content-type": "text/html" } }).run
      )
      expect(error._tag).toBe("ServerError")
    })
  )

  it.effect("a 2xx body that does not decode is InvalidResponse, with a short excerpt", () =>
    Effect.gen(function* () {
      const malformed = yield* Effect.flip(getOnce({ status: 200, raw: '{"id": "aa_1", "ty' }).run)
      expect(malformed._tag === "InvalidResponse" && malformed.reason).toBe("MalformedJson")
      const html = yield* Effect.flip(
        getOnce({ status: 200, raw: "<html></html>", headers: { "content-type": "text/html" } }).run
      )
      expect(html._tag === "InvalidResponse" && html.reason).toBe("UnexpectedContentType")
      const drift = yield* Effect.flip(
        getOnce({ status: 200, body: { id: validId, status: "SOMETHING", padding: "x".repeat(5000) } }).run
      )
      expect(drift._tag === "InvalidResponse" && drift.reason).toBe("SchemaMismatch")
      expect(drift._tag === "InvalidResponse" && drift.excerpt.length).toBeLessThanOrEqual(201)
    })
  )

  it.effect("a transport failure is TransportError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(getOnce({ transport: "connection reset" }).run)
      expect(error._tag).toBe("TransportError")
      expect(VoucherifyError.isTransient(error)).toBe(true)
    })
  )

  it.effect("a request that hangs times out at the per-request timeout", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({ hang: true }))
      const fiber = yield* AsyncActions.get(validId).pipe(
        RetryPolicy.withPolicy(RetryPolicy.none),
        Effect.provide(clientLayer(script, { requestTimeout: "2 seconds" })),
        Effect.flip,
        Effect.fork
      )
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("RequestTimeout")
    })
  )
})

describe("post", () => {
  const post = (body: unknown) =>
    Effect.flatMap(VoucherifyClient.VoucherifyClient, (client) =>
      client.post({ path: "/v1/vouchers/import", body, decode: (text) => Either.right(text) })
    )

  it.effect("sends the JSON body with the client's headers, under the limiter, and decodes the answer", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({ status: 202, body: { async_action_id: "aa_1" } }))
      const limiter = yield* RateLimit.make({ requestsPerMinute: 10 })
      const answer = yield* post({ vouchers: [{ code: "A-1" }] }).pipe(
        Effect.provide(clientLayer(script)),
        Effect.provideService(RateLimit.VoucherifyRateLimiter, limiter)
      )
      expect(JSON.parse(answer)).toEqual({ async_action_id: "aa_1" })
      const [request] = script.requests
      expect(request?.method).toBe("POST")
      expect(request?.url.toString()).toBe("https://api.voucherify.io/v1/vouchers/import")
      expect(JSON.parse(request?.body ?? "")).toEqual({ vouchers: [{ code: "A-1" }] })
      expect(request?.headers["content-type"]).toBe("application/json")
      expect(request?.headers["x-app-token"]).toBe(secretKey)
      expect(yield* limiter.admitted).toBe(1)
    })
  )

  it.effect("is never retried: a 503 or a reset is the caller's to judge (the action may have started)", () =>
    Effect.gen(function* () {
      for (const reply of [{ status: 503 }, { transport: "connection reset" }] as const) {
        const script = scripted(() => reply)
        const error = yield* Effect.flip(post({}).pipe(Effect.provide(clientLayer(script))))
        expect(VoucherifyError.isTransient(error)).toBe(true)
        expect(script.requests).toHaveLength(1)
      }
    })
  )

  it.effect("a body JSON cannot carry is InvalidInput on body, before any request", () =>
    Effect.gen(function* () {
      const circular: Record<string, unknown> = {}
      circular.self = circular
      for (const body of [10n, circular, undefined, () => 1]) {
        const script = scripted(() => ({ status: 202, body: {} }))
        const error = yield* Effect.flip(post(body).pipe(Effect.provide(clientLayer(script))))
        expect(error).toMatchObject({ _tag: "InvalidInput", field: "body" })
        expect(script.requests).toHaveLength(0)
      }
    })
  )

  it.effect("an API error keeps its typed tag; a 3xx is refused", () =>
    Effect.gen(function* () {
      const rejected = scripted(() => ({ status: 400, body: { code: 400, key: "invalid_payload", message: "bad" } }))
      expect((yield* Effect.flip(post({}).pipe(Effect.provide(clientLayer(rejected)))))._tag).toBe("BadRequest")
      const moved = scripted(() => ({ status: 307, headers: { location: "https://elsewhere.example/steal" } }))
      const error = yield* Effect.flip(post({}).pipe(Effect.provide(clientLayer(moved))))
      expect(error).toMatchObject({ _tag: "UnexpectedStatus", status: 307, location: "https://elsewhere.example" })
    })
  )
})

describe("retries", () => {
  const run = (replies: (i: number) => Reply, advance: Duration.DurationInput = "5 minutes") =>
    Effect.gen(function* () {
      const script = scripted((_, i) => replies(i))
      const fiber = yield* AsyncActions.get(validId).pipe(
        Effect.provide(clientLayer(script)),
        Effect.either,
        Effect.fork
      )
      yield* TestClock.adjust(advance)
      const result = yield* Fiber.join(fiber)
      return { result, requests: script.requests }
    })

  it.effect("retries 503 then succeeds, with growing jittered delays", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* run((i) =>
        i < 3 ? { status: 503 } : { status: 200, body: actionJson({ id: validId }) }
      )
      expect(result._tag).toBe("Right")
      expect(requests).toHaveLength(4)
      const gaps = requests.slice(1).map((r, i) => r.at - requests[i]!.at)
      // 500 ms, 1 s, 2 s, each jittered by ±20%.
      expect(gaps[0]).toBeGreaterThanOrEqual(400)
      expect(gaps[0]).toBeLessThanOrEqual(600)
      expect(gaps[1]).toBeGreaterThanOrEqual(800)
      expect(gaps[2]).toBeGreaterThanOrEqual(1600)
    })
  )

  for (const status of [429, 500, 502, 503, 504]) {
    it.effect(`gives up on ${status} after 5 attempts`, () =>
      Effect.gen(function* () {
        const { result, requests } = yield* run(() => ({ status }))
        expect(result._tag).toBe("Left")
        expect(requests).toHaveLength(5)
      })
    )
  }

  for (const status of [400, 401, 403, 404, 409]) {
    it.effect(`does not retry ${status}`, () =>
      Effect.gen(function* () {
        const { result, requests } = yield* run(() => ({ status, body: { code: status, message: "no" } }))
        expect(result._tag).toBe("Left")
        expect(requests).toHaveLength(1)
      })
    )
  }

  it.effect("honours Retry-After in seconds", () =>
    Effect.gen(function* () {
      const { requests } = yield* run((i) =>
        i === 0 ? { status: 429, headers: { "retry-after": "7" } } : { status: 200, body: actionJson({ id: validId }) }
      )
      expect(requests).toHaveLength(2)
      expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(7000)
      expect(requests[1]!.at - requests[0]!.at).toBeLessThan(8000)
    })
  )

  it.effect("honours Retry-After as an HTTP date", () =>
    Effect.gen(function* () {
      const date = yield* run((i) =>
        i === 0
          ? { status: 429, headers: { "retry-after": new Date(12_000).toUTCString() } }
          : { status: 200, body: actionJson({ id: validId }) }
      )
      expect(date.requests[1]!.at).toBeGreaterThanOrEqual(12_000)
    })
  )

  it.effect("honours X-Rate-Limit-Retry as epoch seconds", () =>
    Effect.gen(function* () {
      const epoch = yield* run((i) =>
        i === 0
          ? { status: 429, headers: { "x-rate-limit-retry": "20" } }
          : { status: 200, body: actionJson({ id: validId }) }
      )
      expect(epoch.requests[0]!.at).toBe(0)
      expect(epoch.requests[1]!.at).toBeGreaterThanOrEqual(20_000)
    })
  )

  it.effect("ends at once with RateLimited when the server asks for a wait the retry budget cannot cover", () =>
    Effect.gen(function* () {
      for (const headers of [
        { "retry-after": "86400" },
        { "retry-after": "999999999" },
        { "retry-after": "9".repeat(400) },
        { "x-rate-limit-retry": "999999999999" }
      ]) {
        const { result, requests } = yield* run(() => ({ status: 429, headers }), "1 minute")
        expect(requests).toHaveLength(1)
        if (result._tag !== "Left" || result.left._tag !== "RateLimited") throw new Error("expected RateLimited")
        expect(Number.isFinite(result.left.retryAfterMillis)).toBe(true)
        expect(result.left.message).toMatch(/retry after \d+(ms|s|m|h|d)/)
        expect(result.left.message).not.toContain("Infinity")
      }
    })
  )

  it.effect("spends at most the retry budget waiting, however often the server asks for its clamp", () =>
    Effect.gen(function* () {
      // Each 429 asks for 50 s: the first retry fits the 60 s budget, the second would not.
      const { result, requests } = yield* run(() => ({ status: 429, headers: { "retry-after": "50" } }), "10 minutes")
      expect(result._tag).toBe("Left")
      expect(requests).toHaveLength(2)
      expect(requests[1]!.at - requests[0]!.at).toBe(50_000)
      // A larger budget: the clamp (maxRetryAfter) bounds each wait, the budget their sum.
      const script = scripted(() => ({ status: 429, headers: { "retry-after": "120" } }))
      const fiber = yield* AsyncActions.get(validId).pipe(
        RetryPolicy.withPolicy(RetryPolicy.make({ maxRetryAfter: "30 seconds", retryBudget: "5 minutes" })),
        Effect.provide(clientLayer(script)),
        Effect.either,
        Effect.fork
      )
      yield* TestClock.adjust("10 minutes")
      yield* Fiber.join(fiber)
      // 120 s is within the 300 s budget but clamped: 30 s by the policy, the limiter's own pause (60 s at
      // most) for the next request; 4 retries, then RateLimited.
      const gaps = script.requests.slice(1).map((r, i) => r.at - script.requests[i]!.at)
      expect(gaps).toEqual([60_000, 60_000, 60_000, 60_000])
    })
  )

  it.effect("retries a body cut short (malformed JSON) but not a schema mismatch", () =>
    Effect.gen(function* () {
      const cut = yield* run((i) =>
        i === 0 ? { status: 200, raw: '{"id":"aa_' } : { status: 200, body: actionJson({ id: validId }) }
      )
      expect(cut.result._tag).toBe("Right")
      expect(cut.requests).toHaveLength(2)
      const drift = yield* run(() => ({ status: 200, body: { nope: true } }))
      expect(drift.result._tag).toBe("Left")
      expect(drift.requests).toHaveLength(1)
    })
  )

  it.effect("a single call can run with a different policy", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({ status: 503 }))
      const fiber = yield* AsyncActions.get(validId).pipe(
        RetryPolicy.withPolicy(RetryPolicy.make({ maxRetries: 1, baseDelay: "10 millis" })),
        Effect.provide(clientLayer(script)),
        Effect.either,
        Effect.fork
      )
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      expect(script.requests).toHaveLength(2)
    })
  )
})

describe("tracing", () => {
  it.effect("one http.client GET span per attempt, under the call's span, with the status of each answer", () =>
    Effect.gen(function* () {
      const { spans, layer: tracer } = recordSpans()
      const script = scripted((_, i) => (i < 2 ? { status: 503 } : { status: 200, body: actionJson({ id: validId }) }))
      const fiber = yield* AsyncActions.get(validId).pipe(
        Effect.provide(clientLayer(script)),
        Effect.provide(tracer),
        Effect.fork
      )
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)

      const call = spans.find((span) => span.name === "AsyncActions.get")
      const attempts = spans.filter((span) => span.name === "http.client GET")
      expect(attempts).toHaveLength(3)
      for (const span of attempts) {
        expect(span.kind).toBe("client")
        expect(Option.map(span.parent, (parent) => parent.spanId)).toStrictEqual(Option.some(call?.spanId))
        expect(span.attributes.get("http.request.method")).toBe("GET")
        expect(span.attributes.get("server.address")).toBe("api.voucherify.io")
        expect(span.attributes.get("url.path")).toBe(`/v1/async-actions/${validId}`)
        expect(span.status._tag).toBe("Ended")
      }
      expect(attempts.map((span) => span.attributes.get("http.response.status_code"))).toStrictEqual([503, 503, 200])
      const exits = attempts.map((span) => (span.status._tag === "Ended" ? span.status.exit : undefined))
      expect(exits.map((exit) => exit !== undefined && Exit.isFailure(exit))).toStrictEqual([true, true, false])
      // No header of the request is recorded, secret or not.
      expect([...attempts[0]!.attributes.keys()].some((key) => key.startsWith("http.request.header"))).toBe(false)
    })
  )

  // A span outlives its request (an exporter batches it); holding the decoded page from it kept every
  // page of a long stream alive into V8's old space (BENCHMARKS.md, section 5).
  it.effect("ended spans keep a failure's error but not a success's value", () =>
    Effect.gen(function* () {
      const { spans, layer: tracer } = recordSpans()
      const script = scripted((url) =>
        url.pathname.endsWith(validId)
          ? { status: 200, body: actionJson({ id: validId }) }
          : { status: 404, body: { code: 404, key: "not_found", message: "Resource not found" } }
      )
      const [action, missing] = yield* Effect.all([
        AsyncActions.get(validId),
        Effect.flip(AsyncActions.get("aa_0000000000000000ffff"))
      ]).pipe(Effect.provide(clientLayer(script)), Effect.provide(tracer))
      expect(action.id).toBe(validId)
      expect(missing._tag).toBe("NotFound")

      const ended = spans.map((span) => `${span.name} ${span.status._tag === "Ended" ? span.status.exit._tag : "open"}`)
      expect(ended).toStrictEqual([
        "AsyncActions.get Success",
        "http.client GET Success",
        "AsyncActions.get Failure",
        "http.client GET Failure"
      ])
      for (const span of spans) {
        const exit = span.status._tag === "Ended" ? span.status.exit : undefined
        if (exit === undefined || Exit.isSuccess(exit)) expect(exit).toStrictEqual(Exit.void)
        else expect(Cause.failureOption(exit.cause)).toStrictEqual(Option.some(missing))
      }
    })
  )
})
