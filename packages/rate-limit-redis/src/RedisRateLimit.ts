/**
 * One Voucherify budget for a fleet: the `VoucherifyRateLimiter` of `@voucherify-effect/http`, shared on Redis
 * by every process that names the same key (for example the app id). It keeps the in-memory limiter's rules
 * across processes: at most `requestsPerMinute` requests in any sliding window, each counted from when it
 * completed (the server counts a request when it arrives, which is before it completes), and a server pause
 * (`Retry-After`, `X-Rate-Limit-Retry` with `X-Rate-Limit-Remaining: 0`) seen by one process pauses them all.
 *
 * When Redis is unreachable or fails mid-run, the process keeps working on its share of the budget (the limit
 * divided by the number of processes seen on the key in the last window), logs one warning, and returns to
 * the shared budget when Redis answers again; see the package README for which way it errs.
 *
 * @since 0.1.0
 */
import { VoucherifyError } from "@voucherify-effect/core"
import { RateLimit } from "@voucherify-effect/http"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Connection from "./internal/connection.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `redis://[:password@]host:port[/db]` or `rediss://…` (TLS). A password in it is never logged. */
  readonly url: Redacted.Redacted<string> | string
  /** The budget's name: every process using the same key (and Redis) shares one budget. Use the app id. */
  readonly key: string
  /** Requests allowed in any 60-second window, for the whole fleet. */
  readonly requestsPerMinute: number
  /** Longest pause honoured from server headers (default 60 s). */
  readonly maxPause?: Duration.DurationInput | undefined
  /**
   * The window `requestsPerMinute` applies to (default 60 s, Voucherify's). Only for tests against an emulator
   * whose window is shortened the same way.
   */
  readonly window?: Duration.DurationInput | undefined
  /**
   * How long a request may take at most (default 2 minutes): a request still running counts until then plus a
   * window, so a process that dies mid-request cannot leak its slot forever.
   */
  readonly maxRequestDuration?: Duration.DurationInput | undefined
  /** How long one Redis command may take before Redis counts as failing (default 2 s). */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /** How many processes to assume share the budget until Redis has told (only matters if Redis is down at start; default 1). */
  readonly processes?: number | undefined
  /** Prefix of the Redis keys (default `voucherify:rate-limit:`). */
  readonly prefix?: string | undefined
}

/**
 * Where admission is decided right now: on Redis, or locally on this process's share (`Fallback` while Redis
 * is away; `Mirroring` for one window after it returns, while this process writes what it sends to Redis so
 * the shared count is whole before it spends the shared budget again).
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "Shared" | "Fallback" | "Mirroring"

/**
 * A shared limiter, with what it knows of the fleet.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisRateLimiter extends RateLimit.RateLimiter {
  readonly mode: Effect.Effect<Mode>
  /** Processes seen on the key in the last window (as last read from Redis). */
  readonly processes: Effect.Effect<number>
}

// A request this process sent while not on the shared budget: written to Redis when it is back.
interface OwnSlot {
  readonly member: string
  completedAt: number | undefined
}

type State =
  | { readonly _tag: "Shared" }
  | { readonly _tag: "Fallback"; readonly local: RateLimit.RateLimiter }
  | { readonly _tag: "Mirroring"; readonly local: RateLimit.RateLimiter; readonly until: number }

const invalid = (field: string, reason: string) => new VoucherifyError.InvalidConfig({ field, reason })

const positiveMillis = (
  field: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.DurationInput
): Effect.Effect<number, VoucherifyError.InvalidConfig> => {
  const decoded = Duration.decodeUnknown(input ?? fallback)
  if (Option.isNone(decoded)) return Effect.fail(invalid(field, "must be a duration"))
  const millis = Duration.toMillis(decoded.value)
  return millis > 0 && Number.isFinite(millis)
    ? Effect.succeed(Math.ceil(millis))
    : Effect.fail(invalid(field, "must be a positive, finite duration"))
}

const randomId = (): string => {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
}

/**
 * Connects to Redis and builds the shared limiter. Scoped: closing the scope stops the heartbeat and closes
 * the connection. A Redis that cannot be reached at start is not an error: the limiter starts on its local
 * share (one warning) and moves to the shared budget when Redis answers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<RedisRateLimiter, VoucherifyError.InvalidConfig, Scope.Scope> =>
  Effect.gen(function* () {
    const limit = options.requestsPerMinute
    if (!Number.isInteger(limit) || limit < 1) return yield* invalid("requestsPerMinute", "must be a positive integer")
    if (options.key.trim() === "") return yield* invalid("key", "must not be empty")
    if (options.processes !== undefined && !(Number.isInteger(options.processes) && options.processes >= 1)) {
      return yield* invalid("processes", "must be a positive integer")
    }
    const windowMillis = yield* positiveMillis("window", options.window, "60 seconds")
    const maxPauseMillis = yield* positiveMillis("maxPause", options.maxPause, "60 seconds")
    const leaseMillis = yield* positiveMillis("maxRequestDuration", options.maxRequestDuration, "2 minutes")
    const commandTimeoutMillis = yield* positiveMillis("commandTimeout", options.commandTimeout, "2 seconds")
    const redis = yield* Connection.make({
      url: Redacted.isRedacted(options.url) ? options.url : Redacted.make(options.url),
      prefix: options.prefix ?? "voucherify:rate-limit:",
      key: options.key,
      commandTimeoutMillis
    })

    const scope = yield* Effect.scope
    const proc = randomId()
    let sequence = 0
    const nextMember = () => `${proc}:${(sequence++).toString(36)}`
    let state: State = { _tag: "Shared" }
    // What Redis said last: requests counting in the window and processes seen, for the fallback share.
    let lastUsed = 0
    let sharedOnce = false
    let fleet = options.processes ?? 1
    let admittedCount = 0
    // A server pause this process knows of (epoch ms, local clock): checked before asking Redis.
    let pauseUntil = 0
    let own: Array<OwnSlot> = []
    const gate = yield* Effect.makeSemaphore(1)
    const transition = yield* Effect.makeSemaphore(1)
    const annotations = { key: options.key, redis: redis.address }

    const pruneOwn = (now: number) => {
      if (own.length > 0 && own[0] !== undefined && own[0].completedAt !== undefined) {
        own = own.filter((slot) => slot.completedAt === undefined || slot.completedAt > now - windowMillis)
      }
    }

    // Redis failed (or never answered): this process goes on alone, on its share of the budget.
    const toFallback = (reason: string) =>
      transition.withPermits(1)(
        Effect.gen(function* () {
          if (state._tag === "Fallback") return
          if (state._tag === "Mirroring") {
            state = { _tag: "Fallback", local: state.local }
          } else {
            const share = Math.max(1, Math.floor(limit / fleet))
            const local = yield* RateLimit.make({
              requestsPerMinute: share,
              window: Duration.millis(windowMillis),
              maxPause: Duration.millis(maxPauseMillis)
            }).pipe(Effect.orDie)
            // The fleet may have spent the whole budget in the last window, and what it did since this process
            // last read Redis is unknown: the share counts as spent for one window, then frees up. (A process
            // that never reached Redis has no fleet to count.)
            const seeded = sharedOnce ? share : 0
            for (let i = 0; i < seeded; i++) yield* local.withPermit(Effect.void)
            const now = yield* Clock.currentTimeMillis
            if (pauseUntil > now) yield* local.observe({ status: 429, retryAfterMillis: pauseUntil - now })
            state = { _tag: "Fallback", local }
            yield* Effect.logWarning(
              `Shared rate limit unavailable (${reason}); this process now limits itself to ${share} requests per window, its share of ${limit} among ${fleet} process(es), until Redis answers again`
            ).pipe(Effect.annotateLogs(annotations))
          }
        })
      )

    // Redis answered again: write what this process sent meanwhile; for one window, every process that was away
    // has the time to do the same, and this one admits only what both its share and Redis allow.
    const toMirroring = Effect.gen(function* () {
      if (state._tag !== "Fallback") return
      const local = state.local
      const now = yield* Clock.currentTimeMillis
      pruneOwn(now)
      const entries: Array<string> = []
      for (const slot of own) {
        entries.push(
          slot.member,
          String(slot.completedAt === undefined ? -1 : Math.max(0, slot.completedAt + windowMillis - now))
        )
      }
      const result = yield* redis.record(proc, windowMillis, leaseMillis, entries)
      if (result._tag === "Failed") return
      if (pauseUntil > now) yield* redis.pause(pauseUntil - now)
      noteFleet(result.used, result.processes, now)
      state = { _tag: "Mirroring", local, until: now + windowMillis }
      yield* Effect.logInfo(
        "Redis answers again: this process writes its requests to the shared budget and uses it again after one window"
      ).pipe(Effect.annotateLogs(annotations))
    })

    // The fleet's size falls only after a whole window of lower readings: a Redis restarted empty knows only
    // the processes that came back so far, and a share computed from that would be too large.
    let fleetSeenAt = 0
    const noteFleet = (used: number, processes: number, now: number) => {
      lastUsed = used
      sharedOnce = true
      if (processes >= fleet || now - fleetSeenAt > windowMillis) {
        fleet = Math.max(1, processes)
        fleetSeenAt = now
      }
    }

    // Back to the shared budget once the mirror window is over.
    const settle = Effect.suspend(() =>
      state._tag === "Mirroring"
        ? Effect.flatMap(Clock.currentTimeMillis, (now) =>
            state._tag === "Mirroring" && now >= state.until
              ? Effect.sync(() => {
                  state = { _tag: "Shared" }
                  own = []
                })
              : Effect.void
          )
        : Effect.void
    )

    const waitUntil = (at: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        at > now ? Effect.sleep(Duration.millis(at - now)) : Effect.void
      )

    // Asks Redis for a slot until it gives one; `undefined` when Redis failed (the caller goes local). Runs
    // uninterruptibly (as an acquire) except where it waits, one fiber of this process at a time.
    const acquireShared: Effect.Effect<string | undefined> = Effect.gen(function* () {
      yield* Effect.interruptible(gate.take(1))
      return yield* Effect.gen(function* () {
        while (true) {
          yield* Effect.interruptible(Effect.suspend(() => waitUntil(pauseUntil)))
          if (state._tag === "Fallback") return undefined
          const member = nextMember()
          const result = yield* redis.admit(member, proc, limit, windowMillis, leaseMillis)
          if (result._tag === "Failed") {
            yield* toFallback(result.reason)
            return undefined
          }
          noteFleet(result.used, result.processes, yield* Clock.currentTimeMillis)
          if (result.admitted) {
            admittedCount += 1
            return member
          }
          yield* Effect.interruptible(Effect.sleep(Duration.millis(Math.max(1, result.waitMillis))))
        }
      }).pipe(Effect.ensuring(gate.release(1)))
    })

    // Written in the background: the caller has its answer one round trip sooner, and until the write lands
    // the slot counts as running (longer, never shorter). If it fails, the slot stays counted until its lease
    // ends: safe, only slower.
    const completeShared = (member: string | undefined) =>
      member === undefined
        ? Effect.void
        : Effect.asVoid(
            Effect.forkIn(
              Effect.flatMap(redis.complete(member, windowMillis), (result) =>
                result._tag === "Failed" ? toFallback(result.reason) : Effect.void
              ),
              scope
            )
          )

    // Remembers what this process sends while Redis is away, so it can be written to Redis when it is back.
    const tracked = <A, E, R>(request: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.acquireUseRelease(
        Effect.sync(() => {
          const slot: OwnSlot = { member: nextMember(), completedAt: undefined }
          own.push(slot)
          admittedCount += 1
          return slot
        }),
        () => request,
        (slot) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            slot.completedAt = now
            pruneOwn(now)
          })
      )

    // A slot on Redis for `request`; `onFailed` runs instead when Redis fails (the limiter is then on Fallback).
    const viaRedis = <A, E, R>(
      request: Effect.Effect<A, E, R>,
      onFailed: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E, R> =>
      Effect.acquireUseRelease(acquireShared, (member) => (member === undefined ? onFailed : request), completeShared)

    // Shared: Redis decides. Fallback: this process's share decides. Mirroring: both must agree, so neither a
    // process still on its share nor one back on the shared budget can push the fleet over the limit. The mode
    // is read again once the share admits: a request that queued while Redis was away but goes after it came
    // back is counted on Redis too.
    const withPermit = <A, E, R>(request: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.zipRight(
        settle,
        Effect.suspend(() => {
          const current = state
          return current._tag === "Shared"
            ? viaRedis(request, withPermit(request))
            : current.local.withPermit(
                Effect.suspend(() =>
                  state._tag === "Fallback" ? tracked(request) : viaRedis(request, tracked(request))
                )
              )
        })
      )

    const observe = (observation: RateLimit.Observation): Effect.Effect<void> =>
      RateLimit.mayPause(observation)
        ? Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            const pause = RateLimit.pauseMillis(observation, now, maxPauseMillis)
            if (pause <= 0) return
            pauseUntil = Math.max(pauseUntil, now + pause)
            const current = state
            if (current._tag !== "Shared") yield* current.local.observe(observation)
            if (current._tag !== "Fallback") {
              const written = yield* redis.pause(pause)
              if (written._tag === "Failed") yield* toFallback(written.reason)
            }
          })
        : Effect.void

    // Keeps this process counted in the fleet, the fleet's use fresh, and notices Redis coming back.
    const heartbeat = Effect.gen(function* () {
      while (true) {
        const current = state
        if (current._tag === "Fallback") {
          yield* toMirroring
        } else {
          const result = yield* redis.record(proc, windowMillis, leaseMillis, [])
          if (result._tag === "Failed") yield* toFallback(result.reason)
          else {
            const now = yield* Clock.currentTimeMillis
            noteFleet(result.used, result.processes, now)
            if (result.pauseMillis > 0) pauseUntil = Math.max(pauseUntil, now + result.pauseMillis)
          }
        }
        yield* settle
        const every = state._tag === "Fallback" ? Math.min(1000, windowMillis / 4) : Math.min(15_000, windowMillis / 4)
        yield* Effect.sleep(Duration.millis(every))
      }
    })

    const started = yield* redis.connected
    if (started._tag === "Failed") yield* toFallback(started.reason)
    yield* Effect.forkScoped(Effect.interruptible(heartbeat))

    const budget = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const current = state
      const used =
        current._tag === "Shared" ? lastUsed : ((yield* current.local.budget ?? Effect.succeed(undefined))?.used ?? 0)
      return { requestsPerMinute: limit, used, paused: pauseUntil > now } satisfies RateLimit.Budget
    })

    return {
      withPermit,
      observe,
      admitted: Effect.sync(() => admittedCount),
      budget,
      mode: Effect.sync(() => state._tag),
      processes: Effect.sync(() => fleet)
    }
  })

/**
 * The shared limiter as the client's `VoucherifyRateLimiter`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<RateLimit.VoucherifyRateLimiter, VoucherifyError.InvalidConfig> =>
  Layer.scoped(RateLimit.VoucherifyRateLimiter, make(options))

/**
 * What {@link layerConfig} reads.
 *
 * @since 0.1.0
 * @category models
 */
export interface EnvOptions {
  readonly requestsPerMinute: Option.Option<number>
  readonly url: Option.Option<Redacted.Redacted<string>>
  readonly key: Option.Option<string>
}

/**
 * `VOUCHERIFY_RATE_LIMIT` (requests per minute), `VOUCHERIFY_RATE_LIMIT_REDIS_URL` (`Redacted`: it may carry a
 * password) and the budget's key, `VOUCHERIFY_RATE_LIMIT_KEY`, else `VOUCHERIFY_APP_ID`.
 *
 * @since 0.1.0
 * @category config
 */
export const fromEnv: Config.Config<EnvOptions> = Config.all({
  requestsPerMinute: Config.option(Config.integer("VOUCHERIFY_RATE_LIMIT")),
  url: Config.option(Config.redacted(Config.nonEmptyString("VOUCHERIFY_RATE_LIMIT_REDIS_URL"))),
  key: Config.option(Config.nonEmptyString("VOUCHERIFY_RATE_LIMIT_KEY")).pipe(
    Config.zipWith(Config.option(Config.nonEmptyString("VOUCHERIFY_APP_ID")), (key, appId) =>
      Option.orElse(key, () => appId)
    )
  )
})

/**
 * The limiter the environment asks for: with `VOUCHERIFY_RATE_LIMIT` and `VOUCHERIFY_RATE_LIMIT_REDIS_URL`, the
 * budget shared on Redis; with `VOUCHERIFY_RATE_LIMIT` alone, an in-memory limit for this process; with
 * neither, only the server's pauses apply. `overrides` sets the other {@link Options} (a test's `window`, …).
 * Errors name the variable and never echo its value.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<EnvOptions> = fromEnv,
  overrides: Partial<Omit<Options, "url" | "requestsPerMinute">> = {}
): Layer.Layer<RateLimit.VoucherifyRateLimiter, VoucherifyError.InvalidConfig> =>
  Layer.scoped(
    RateLimit.VoucherifyRateLimiter,
    Effect.gen(function* () {
      // The message of a ConfigError may quote the value: only the variable's name is kept.
      const env = yield* Effect.mapError(config, (error) =>
        String(error).includes("VOUCHERIFY_RATE_LIMIT_REDIS_URL")
          ? invalid("VOUCHERIFY_RATE_LIMIT_REDIS_URL", "must be a redis:// or rediss:// URL")
          : String(error).includes("VOUCHERIFY_RATE_LIMIT_KEY")
            ? invalid("VOUCHERIFY_RATE_LIMIT_KEY", "must not be empty")
            : invalid("VOUCHERIFY_RATE_LIMIT", "must be a positive integer (requests per minute)")
      )
      if (Option.isNone(env.url)) {
        return yield* Effect.mapError(
          RateLimit.make({
            requestsPerMinute: Option.getOrUndefined(env.requestsPerMinute),
            window: overrides.window,
            maxPause: overrides.maxPause
          }),
          (error) => (error.field === "requestsPerMinute" ? invalid("VOUCHERIFY_RATE_LIMIT", error.reason) : error)
        )
      }
      if (Option.isNone(env.requestsPerMinute)) {
        return yield* invalid(
          "VOUCHERIFY_RATE_LIMIT",
          "is needed with VOUCHERIFY_RATE_LIMIT_REDIS_URL (the fleet's requests per minute)"
        )
      }
      const key = Option.orElse(Option.fromNullable(overrides.key), () => env.key)
      if (Option.isNone(key)) {
        return yield* invalid(
          "VOUCHERIFY_RATE_LIMIT_KEY",
          "is needed with VOUCHERIFY_RATE_LIMIT_REDIS_URL when VOUCHERIFY_APP_ID is not set (the budget's name)"
        )
      }
      return yield* Effect.mapError(
        make({ ...overrides, key: key.value, url: env.url.value, requestsPerMinute: env.requestsPerMinute.value }),
        (error) =>
          error.field === "requestsPerMinute"
            ? invalid("VOUCHERIFY_RATE_LIMIT", error.reason)
            : error.field === "url"
              ? invalid("VOUCHERIFY_RATE_LIMIT_REDIS_URL", error.reason)
              : error
      )
    })
  )
