import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, type Duration, Effect, Fiber, Layer, TestClock } from "effect"
import * as AsyncActions from "../src/AsyncActions.js"
import * as RateLimit from "../src/RateLimit.js"
import { actionJson, clientLayer, scripted, validId } from "./support.js"

describe("RateLimit", () => {
  it.effect("admits at most the limit in any sliding minute", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimit.make({ requestsPerMinute: 5 })
      const times: Array<number> = []
      const fiber = yield* Effect.forEach(
        Array.from({ length: 12 }),
        () => limiter.withPermit(Effect.clockWith((c) => c.currentTimeMillis).pipe(Effect.map((t) => times.push(t)))),
        { concurrency: "unbounded" }
      ).pipe(Effect.fork)
      yield* TestClock.adjust("5 minutes")
      yield* Fiber.join(fiber)
      expect(times).toEqual([0, 0, 0, 0, 0, 60_000, 60_000, 60_000, 60_000, 60_000, 120_000, 120_000])
    })
  )

  it.effect("reports its budget: the limit, what the last minute used, and a server pause", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimit.make({ requestsPerMinute: 5 })
      const budget = limiter.budget
      if (budget === undefined) return expect.fail("the built-in limiter reports its budget")
      expect(yield* budget).toEqual({ requestsPerMinute: 5, used: 0, paused: false })
      yield* Effect.forEach([1, 2, 3], () => limiter.withPermit(Effect.void))
      yield* TestClock.adjust("30 seconds")
      yield* limiter.withPermit(Effect.void)
      expect((yield* budget).used).toBe(4)
      yield* TestClock.adjust("30 seconds")
      expect((yield* budget).used).toBe(1)
      yield* limiter.observe({ status: 429, retryAfterMillis: 5_000 })
      expect((yield* budget).paused).toBe(true)
    })
  )

  it.effect("pauses everyone when the server says the budget is spent", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimit.make()
      yield* limiter.observe({ status: 200, remaining: 0, retryAtMillis: 30_000 })
      const fiber = yield* limiter.withPermit(Effect.clockWith((c) => c.currentTimeMillis)).pipe(Effect.fork)
      yield* TestClock.adjust("1 minute")
      expect(yield* Fiber.join(fiber)).toBe(30_000)
    })
  )

  it.effect("counts a slot from when its request completed, not when it was sent", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimit.make({ requestsPerMinute: 2 })
      const started: Array<number> = []
      const request = (latency: Duration.DurationInput) =>
        limiter.withPermit(
          Effect.zipRight(
            Effect.clockWith((c) => c.currentTimeMillis).pipe(Effect.map((t) => started.push(t))),
            Effect.sleep(latency)
          )
        )
      // Two slow requests (5 s each, e.g. a slow connection): the third may start only a full window
      // after the first one completed, since the server may have counted it as late as that.
      const fiber = yield* Effect.all([request("5 seconds"), request("5 seconds"), request("0 millis")], {
        concurrency: "unbounded"
      }).pipe(Effect.fork)
      yield* TestClock.adjust("2 minutes")
      yield* Fiber.join(fiber)
      expect(started).toEqual([0, 0, 65_000])
    })
  )

  it.effect("an interrupted waiter gives its place back", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimit.make({ requestsPerMinute: 1 })
      yield* limiter.withPermit(Effect.void)
      const waiting = yield* limiter.withPermit(Effect.void).pipe(Effect.fork)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.interrupt(waiting)
      const next = yield* limiter.withPermit(Effect.clockWith((c) => c.currentTimeMillis)).pipe(Effect.fork)
      yield* TestClock.adjust("1 minute")
      expect(yield* Fiber.join(next)).toBe(60_000)
    })
  )

  it.effect("refuses a nonsensical limit with a configuration error", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(RateLimit.make({ requestsPerMinute: 0 }))
      expect(error._tag).toBe("InvalidConfig")
    })
  )

  it.effect("one limiter is shared by every fiber using the client", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({ status: 200, body: actionJson({ id: validId }) }))
      const layer = clientLayer(script).pipe(Layer.provide(RateLimit.layer({ requestsPerMinute: 10 })))
      const fiber = yield* Effect.forEach(Array.from({ length: 25 }), () => AsyncActions.get(validId), {
        concurrency: "unbounded"
      }).pipe(Effect.provide(layer), Effect.fork)
      yield* TestClock.adjust("5 minutes")
      yield* Fiber.join(fiber)
      const times = script.requests.map((r) => r.at)
      for (const t of times) expect(times.filter((u) => u >= t && u < t + 60_000).length).toBeLessThanOrEqual(10)
      expect(times).toHaveLength(25)
    })
  )

  it.effect("a shorter window (tests only) applies the same rule", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimit.make({ requestsPerMinute: 2, window: "10 seconds" })
      const times: Array<number> = []
      const fiber = yield* Effect.forEach(
        Array.from({ length: 5 }),
        () => limiter.withPermit(Effect.clockWith((c) => c.currentTimeMillis).pipe(Effect.map((t) => times.push(t)))),
        { concurrency: "unbounded" }
      ).pipe(Effect.fork)
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      expect(times).toEqual([0, 0, 10_000, 10_000, 20_000])
      expect((yield* Effect.flip(RateLimit.make({ window: "0 millis" }))).field).toBe("window")
    })
  )

  it("pauseMillis: Retry-After first, then X-Rate-Limit-Retry on a 429 or remaining 0, capped", () => {
    expect(RateLimit.pauseMillis({ status: 429, retryAfterMillis: 5000 }, 1000, 60_000)).toBe(5000)
    expect(RateLimit.pauseMillis({ status: 200, remaining: 0, retryAtMillis: 31_000 }, 1000, 60_000)).toBe(30_000)
    expect(RateLimit.pauseMillis({ status: 429 }, 1000, 60_000)).toBe(1000)
    expect(RateLimit.pauseMillis({ status: 429, retryAfterMillis: 999_999 }, 0, 60_000)).toBe(60_000)
    expect(RateLimit.pauseMillis({ status: 200, remaining: 3, retryAtMillis: 31_000 }, 1000, 60_000)).toBe(0)
    expect(RateLimit.mayPause({ status: 200, remaining: 3 })).toBe(false)
  })

  it.effect("layerConfig reads VOUCHERIFY_RATE_LIMIT; a bad value names the variable without echoing it", () =>
    Effect.gen(function* () {
      const withEnv = (env: Record<string, string>) =>
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      const budget = yield* RateLimit.VoucherifyRateLimiter.pipe(
        Effect.flatMap((limiter) => limiter.budget ?? Effect.die("no budget")),
        Effect.provide(RateLimit.layerConfig()),
        withEnv({ VOUCHERIFY_RATE_LIMIT: "100" })
      )
      expect(budget.requestsPerMinute).toBe(100)
      const none = yield* RateLimit.load().pipe(withEnv({}))
      expect(none.requestsPerMinute).toBeUndefined()
      for (const bad of ["lots-of-secret", "0"]) {
        const error = yield* RateLimit.VoucherifyRateLimiter.pipe(
          Effect.provide(RateLimit.layerConfig()),
          withEnv({ VOUCHERIFY_RATE_LIMIT: bad }),
          Effect.flip
        )
        expect(error.field).toBe("VOUCHERIFY_RATE_LIMIT")
        expect(error.message).not.toContain("secret")
      }
    })
  )
})
