import { describe, expect, it } from "@effect/vitest"
import { RateLimit } from "@voucherify-effect/http"
import { ConfigProvider, Effect, Layer, Logger, Redacted } from "effect"
import { Redis } from "ioredis"
import * as RedisRateLimit from "../src/RedisRateLimit.js"
import * as Fleet from "./fleet.js"
import * as RedisServer from "./redisServer.js"

// Logs of a test, as logfmt lines (what an operator would see).
const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.map(Logger.logfmtLogger, (line) => {
    lines.push(line)
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

// Two processes' limiters on one key, on a fresh redis-server.
const twoLimiters = (options: Omit<RedisRateLimit.Options, "url">) =>
  Effect.gen(function* () {
    const server = yield* RedisServer.start()
    const a = yield* RedisRateLimit.make({ ...options, url: server.url })
    const b = yield* RedisRateLimit.make({ ...options, url: server.url })
    return [a, b] as const
  })

const now = () => Date.now()

describe("RedisRateLimit (a real redis-server)", () => {
  it.scopedLive("two limiters on one key share one budget, counted from completion", () =>
    Effect.gen(function* () {
      const [a, b] = yield* twoLimiters({ key: "app-1", requestsPerMinute: 4, window: "1 second" })
      const starts: Array<number> = []
      const ends: Array<number> = []
      const request = Effect.sync(() => starts.push(now())).pipe(
        Effect.zipRight(Effect.sleep("50 millis")),
        Effect.zipRight(Effect.sync(() => ends.push(now())))
      )
      yield* Effect.forEach(
        Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b)),
        (limiter) => limiter.withPermit(request),
        { concurrency: "unbounded" }
      )
      console.log(
        `12 requests, limit 4 per 1 s, two limiters: max ${Fleet.maxInWindow(starts, 1000)} starts in any 1 s`
      )
      expect(starts).toHaveLength(12)
      // Each request counts from its completion, so no window holds more than 4 starts.
      expect(Fleet.maxInWindow(starts, 1000)).toBeLessThanOrEqual(4)
      expect((yield* a.admitted) + (yield* b.admitted)).toBe(12)
      expect(yield* a.processes).toBe(2)
      expect(yield* a.mode).toBe("Shared")
    })
  )

  it.scopedLive("a slow request holds its slot until a window after it completed", () =>
    Effect.gen(function* () {
      const [a, b] = yield* twoLimiters({ key: "app-slow", requestsPerMinute: 1, window: "1 second" })
      const t0 = now()
      let firstEnded = 0
      const slow = a.withPermit(
        Effect.sleep("700 millis").pipe(Effect.zipRight(Effect.sync(() => (firstEnded = now()))))
      )
      const fiber = yield* Effect.fork(slow)
      yield* Effect.sleep("100 millis")
      const secondStarted = yield* b.withPermit(Effect.sync(now))
      yield* fiber.await
      console.log(`second request started ${secondStarted - firstEnded} ms after the first completed (window 1000)`)
      expect(secondStarted - firstEnded).toBeGreaterThanOrEqual(990)
      expect(secondStarted - t0).toBeGreaterThanOrEqual(1690)
    })
  )

  it.scopedLive("a server pause seen by one process pauses the other", () =>
    Effect.gen(function* () {
      const [a, b] = yield* twoLimiters({ key: "app-pause", requestsPerMinute: 100 })
      const t0 = now()
      yield* a.observe({ status: 429, retryAfterMillis: 1500 })
      const started = yield* b.withPermit(Effect.sync(now))
      console.log(`the other process waited ${started - t0} ms for a 1500 ms Retry-After`)
      expect(started - t0).toBeGreaterThanOrEqual(1450)
      expect((yield* b.budget!).requestsPerMinute).toBe(100)
    })
  )

  it.scopedLive("Redis down at start: local share, one warning, then the shared budget once Redis is up", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const port = yield* Effect.promise(RedisServer.freePort)
      const password = "not-yet-started-password"
      const limiter = yield* RedisRateLimit.make({
        url: Redacted.make(`redis://:${password}@127.0.0.1:${port}`),
        key: "app-down",
        requestsPerMinute: 40,
        window: "2 seconds",
        processes: 4,
        commandTimeout: "500 millis"
      })
      expect(yield* limiter.mode).toBe("Fallback")
      // On its share: 40 / 4 = 10 per window.
      const starts: Array<number> = []
      yield* Effect.forEach(
        Array.from({ length: 15 }),
        () => limiter.withPermit(Effect.sync(() => starts.push(now()))),
        {
          concurrency: "unbounded"
        }
      )
      expect(Fleet.maxInWindow(starts, 2000)).toBeLessThanOrEqual(10)
      expect(logs.lines.filter((l) => l.includes("level=WARN"))).toHaveLength(1)
      // Redis comes up: the limiter notices, mirrors for a window, then shares the budget.
      yield* RedisServer.start({ port, password })
      let mode = yield* limiter.mode
      for (let i = 0; i < 100 && mode !== "Shared"; i++) {
        yield* Effect.sleep("100 millis")
        mode = yield* limiter.mode
      }
      expect(mode).toBe("Shared")
      expect(logs.lines.filter((l) => l.includes("level=WARN"))).toHaveLength(1)
      for (const line of logs.lines) expect(line).not.toContain(password)
    }).pipe(Effect.provide(logs.layer))
  })

  it.scopedLive("killed mid-run and restarted: no defect, local share meanwhile, shared again after", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = yield* RedisServer.start()
      const limiter = yield* RedisRateLimit.make({
        url: server.url,
        key: "app-kill",
        requestsPerMinute: 20,
        window: "1 second",
        commandTimeout: "500 millis"
      })
      const starts: Array<number> = []
      const run = limiter.withPermit(Effect.sync(() => starts.push(now())))
      yield* Effect.forEach(Array.from({ length: 10 }), () => run, { concurrency: 4 })
      expect(yield* limiter.mode).toBe("Shared")
      yield* server.kill
      const fiber = yield* Effect.fork(Effect.forEach(Array.from({ length: 30 }), () => run, { concurrency: 4 }))
      yield* Effect.sleep("500 millis")
      expect(yield* limiter.mode).toBe("Fallback")
      yield* server.restart
      const exit = yield* fiber.await
      expect(exit._tag).toBe("Success")
      // Mirroring for one window after Redis answers, then shared again.
      let mode = yield* limiter.mode
      for (let i = 0; i < 60 && mode !== "Shared"; i++) {
        yield* Effect.sleep("100 millis")
        yield* run
        mode = yield* limiter.mode
      }
      expect(mode).toBe("Shared")
      expect(starts.length).toBeGreaterThanOrEqual(40)
      expect(Fleet.maxInWindow(starts, 1000)).toBeLessThanOrEqual(20)
      const warnings = logs.lines.filter((l) => l.includes("level=WARN"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("Shared rate limit unavailable")
      for (const line of logs.lines) expect(line).not.toContain(server.password)
      // What the fleet sent while Redis was away was written back when it returned.
      const client = new Redis(server.port, "127.0.0.1", { password: server.password, lazyConnect: true })
      yield* Effect.promise(() => client.connect())
      const keys = yield* Effect.promise(() => client.keys("*"))
      yield* Effect.promise(() => client.quit())
      expect(keys.some((k) => k.endsWith(":slots"))).toBe(true)
    }).pipe(Effect.provide(logs.layer))
  })

  it.effect("layerConfig: both variables → shared; the limit alone → in memory; errors name the variable", () =>
    Effect.gen(function* () {
      const withEnv = (env: Record<string, string>) =>
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      const limiter = (env: Record<string, string>) =>
        RateLimit.VoucherifyRateLimiter.pipe(Effect.provide(RedisRateLimit.layerConfig()), withEnv(env), Effect.scoped)
      const alone = yield* limiter({ VOUCHERIFY_RATE_LIMIT: "100" })
      expect((yield* alone.budget!).requestsPerMinute).toBe(100)
      const secret = "hunter2-secret-password"
      const cases: Array<[Record<string, string>, string]> = [
        [
          { VOUCHERIFY_RATE_LIMIT_REDIS_URL: `redis://:${secret}@127.0.0.1:1`, VOUCHERIFY_APP_ID: "a" },
          "VOUCHERIFY_RATE_LIMIT"
        ],
        [
          {
            VOUCHERIFY_RATE_LIMIT: "10",
            VOUCHERIFY_RATE_LIMIT_REDIS_URL: `http://:${secret}@x`,
            VOUCHERIFY_APP_ID: "a"
          },
          "VOUCHERIFY_RATE_LIMIT_REDIS_URL"
        ],
        [
          { VOUCHERIFY_RATE_LIMIT: "10", VOUCHERIFY_RATE_LIMIT_REDIS_URL: `redis://:${secret}@127.0.0.1:1` },
          "VOUCHERIFY_RATE_LIMIT_KEY"
        ],
        [{ VOUCHERIFY_RATE_LIMIT: `${secret}` }, "VOUCHERIFY_RATE_LIMIT"],
        [{ VOUCHERIFY_RATE_LIMIT: "0" }, "VOUCHERIFY_RATE_LIMIT"]
      ]
      for (const [env, field] of cases) {
        const error = yield* Effect.flip(limiter(env))
        expect(error._tag).toBe("InvalidConfig")
        expect(error.field).toBe(field)
        expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(secret)
      }
    })
  )

  it.scopedLive("layerConfig with both variables shares the budget on Redis under the app id", () =>
    Effect.gen(function* () {
      const server = yield* RedisServer.start()
      const env = new Map([
        ["VOUCHERIFY_RATE_LIMIT", "50"],
        ["VOUCHERIFY_RATE_LIMIT_REDIS_URL", Redacted.value(server.url)],
        ["VOUCHERIFY_APP_ID", "my-app"]
      ])
      const layer = RedisRateLimit.layerConfig().pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(env)))
      )
      yield* RateLimit.VoucherifyRateLimiter.pipe(
        Effect.flatMap((limiter) => limiter.withPermit(Effect.void)),
        Effect.provide(layer)
      )
      const client = new Redis(server.port, "127.0.0.1", { password: server.password, lazyConnect: true })
      yield* Effect.promise(() => client.connect())
      const keys = yield* Effect.promise(() => client.keys("*"))
      yield* Effect.promise(() => client.quit())
      expect(keys.sort()).toEqual(["voucherify:rate-limit:{my-app}:procs", "voucherify:rate-limit:{my-app}:slots"])
    })
  )
})
