/**
 * A client-side rate limiter shared by every fiber that uses the client, so a thousand concurrent
 * waiters never trip the server's limit. It keeps at most `requestsPerMinute` requests in any sliding
 * minute (which also keeps every fixed server window within the limit) — counting each from when it
 * completed, since the server may see it later than it was sent — and it pauses everyone when the
 * server says the budget is spent: a 429's `Retry-After`, or `X-Rate-Limit-Remaining` at zero with
 * `X-Rate-Limit-Retry`. Time comes from `Clock`, so it is testable with `TestClock`.
 *
 * @since 0.1.0
 */
import { VoucherifyError } from "@voucherify-effect/core"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Requests allowed in any 60-second window (Voucherify plans allow 100 or 2 000 per minute). */
  readonly requestsPerMinute?: number | undefined
  /** Longest pause honoured from server headers (default 60 s). */
  readonly maxPause?: Duration.DurationInput | undefined
  /**
   * The length of the sliding window `requestsPerMinute` applies to (default 60 s, Voucherify's). Only for tests
   * against an emulator whose window is shortened the same way (`rateLimitWindowMillis`).
   */
  readonly window?: Duration.DurationInput | undefined
}

/**
 * What the limiter learned from one response.
 *
 * @since 0.1.0
 * @category models
 */
export interface Observation {
  readonly status: number
  /** `X-Rate-Limit-Remaining`, when sent. */
  readonly remaining?: number | undefined
  /** Absolute time (epoch ms) from `X-Rate-Limit-Retry`, when sent. */
  readonly retryAtMillis?: number | undefined
  /** From `Retry-After`, when sent. */
  readonly retryAfterMillis?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RateLimiter {
  /**
   * Runs one request under the limit: waits for a slot, runs, and counts the slot as used from the moment
   * the request completes (which is after the server saw it), so network delay can never squeeze more
   * than the limit into one of the server's windows.
   */
  readonly withPermit: <A, E, R>(request: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Feeds back a response's rate-limit headers. */
  readonly observe: (observation: Observation) => Effect.Effect<void>
  /** How many requests were admitted so far. */
  readonly admitted: Effect.Effect<number>
  /**
   * The configured limit and how much of it the last 60 s used, for callers that may spend spare budget
   * (the shared poller of `AsyncActions` does). Optional: a limiter that cannot tell leaves it out.
   */
  readonly budget?: Effect.Effect<Budget> | undefined
}

/**
 * A limiter's view of its budget at one instant.
 *
 * @since 0.2.0
 * @category models
 */
export interface Budget {
  /** Requests allowed per 60 s (none: only the server's pauses apply). */
  readonly requestsPerMinute: number | undefined
  /** Requests running or completed within the last 60 s. */
  readonly used: number
  /** Whether a server pause (429, `Retry-After`, remaining 0) is in force now. */
  readonly paused: boolean
}

/**
 * @since 0.1.0
 * @category tags
 */
export class VoucherifyRateLimiter extends Context.Tag("@voucherify-effect/http/RateLimit/VoucherifyRateLimiter")<
  VoucherifyRateLimiter,
  RateLimiter
>() {}

/**
 * How long the server asks everyone to pause, in ms from `nowMillis` (0: no pause), capped at `maxPauseMillis`:
 * `Retry-After` when sent; else, on a 429 or `X-Rate-Limit-Remaining: 0`, until `X-Rate-Limit-Retry` (a 429
 * without either waits 1 s). Shared by every limiter, in memory or not.
 *
 * @since 0.2.0
 * @category utils
 */
export const pauseMillis = (observation: Observation, nowMillis: number, maxPauseMillis: number): number => {
  let until = 0
  if (observation.retryAfterMillis !== undefined) until = nowMillis + observation.retryAfterMillis
  else if (observation.status === 429 || observation.remaining === 0) {
    // `X-Rate-Limit-Retry` names when the API's current one-minute window ends: more than a minute away
    // is not believable (a broken or hostile server), so it counts as a one-second pause, not `maxPause`.
    const retryAt = observation.retryAtMillis
    until =
      retryAt !== undefined && retryAt <= nowMillis + 61_000
        ? retryAt
        : observation.status === 429 || retryAt !== undefined
          ? nowMillis + 1000
          : 0
  }
  return until > nowMillis ? Math.min(until - nowMillis, maxPauseMillis) : 0
}

/**
 * Whether a response can pause anyone (most do not: the limiter skips them at no cost).
 *
 * @since 0.2.0
 * @category utils
 */
export const mayPause = (observation: Observation): boolean =>
  observation.retryAfterMillis !== undefined || observation.status === 429 || observation.remaining === 0

// One of the last `limit` requests: when it completed (epoch ms), or a signal it is still running.
interface Slot {
  completedAt: number
  running: Deferred.Deferred<void> | undefined
}

/**
 * Builds a limiter. Without `requestsPerMinute` it only honours the server's pauses.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RateLimiter, VoucherifyError.InvalidConfig> =>
  Effect.gen(function* () {
    const limit = options.requestsPerMinute
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      return yield* new VoucherifyError.InvalidConfig({
        field: "requestsPerMinute",
        reason: "must be a positive integer"
      })
    }
    const maxPause = Duration.toMillis(Duration.decode(options.maxPause ?? "60 seconds"))
    const windowMillis = Duration.toMillis(Duration.decode(options.window ?? "60 seconds"))
    if (!(windowMillis > 0 && Number.isFinite(windowMillis))) {
      return yield* new VoucherifyError.InvalidConfig({
        field: "window",
        reason: "must be a positive, finite duration"
      })
    }
    // Ring buffer of the last `limit` requests: constant memory whatever the traffic.
    const slots: Array<Slot> = Array.from({ length: limit ?? 0 }, () => ({
      completedAt: Number.NEGATIVE_INFINITY,
      running: undefined
    }))
    let next = 0
    let admittedCount = 0
    // Epoch ms before which nobody may send (0: no pause). A plain variable: every change is one
    // synchronous step, and reading it costs the common, unpaused request nothing.
    let pauseUntil = 0
    const gate = yield* Effect.makeSemaphore(1)

    const waitUntil = (at: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        at > now ? Effect.sleep(Duration.millis(at - now)) : Effect.void
      )

    // Takes the oldest slot once it is free: its request has completed and a window has passed since.
    // Runs uninterruptibly (as the acquire of acquireUseRelease) except where it waits, so a slot is
    // either not taken at all or taken with its release guaranteed.
    const reserve = Effect.gen(function* () {
      yield* Effect.interruptible(gate.take(1))
      return yield* Effect.gen(function* () {
        yield* Effect.interruptible(Effect.suspend(() => waitUntil(pauseUntil)))
        const slot = slots[next]
        if (slot !== undefined) {
          if (slot.running !== undefined) yield* Effect.interruptible(Deferred.await(slot.running))
          yield* Effect.interruptible(waitUntil(slot.completedAt + windowMillis))
          next = (next + 1) % slots.length
          slot.running = Deferred.unsafeMake<void>(FiberId.none)
        }
        admittedCount += 1
        return slot
      }).pipe(Effect.ensuring(gate.release(1)))
    })

    const complete = (slot: Slot | undefined) =>
      slot === undefined
        ? Effect.void
        : Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const running = slot.running
            slot.completedAt = now
            slot.running = undefined
            return running === undefined ? Effect.void : Deferred.succeed(running, undefined)
          })

    const limited = <A, E, R>(request: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(reserve, () => request, complete)
    // Without a configured limit only the server's pauses apply: skip the gate while there is none.
    const pausesOnly = <A, E, R>(request: Effect.Effect<A, E, R>) =>
      Effect.suspend(() => (pauseUntil === 0 ? request : Effect.zipRight(waitUntil(pauseUntil), request)))
    const withPermit = limit === undefined ? pausesOnly : limited

    // Most responses say nothing that pauses anyone: return at once for them.
    const observe = (observation: Observation) => (mayPause(observation) ? observeSlow(observation) : Effect.void)
    const observeSlow = (observation: Observation) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const pause = pauseMillis(observation, now, maxPause)
        if (pause > 0) pauseUntil = Math.max(pauseUntil, now + pause)
      })

    const budget = Effect.map(Clock.currentTimeMillis, (now): Budget => {
      let used = 0
      for (const slot of slots) if (slot.running !== undefined || slot.completedAt > now - windowMillis) used++
      return { requestsPerMinute: limit, used, paused: pauseUntil > now }
    })

    return { withPermit, observe, admitted: Effect.sync(() => admittedCount), budget }
  })

/**
 * A shared limiter for every client in the program.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<VoucherifyRateLimiter, VoucherifyError.InvalidConfig> =>
  Layer.effect(VoucherifyRateLimiter, make(options))

/**
 * Options from the environment: `VOUCHERIFY_RATE_LIMIT`, requests per minute (unset: only the server's pauses
 * apply).
 *
 * @since 0.2.0
 * @category config
 */
export const fromEnv: Config.Config<Options> = Config.map(
  Config.option(Config.integer("VOUCHERIFY_RATE_LIMIT")),
  (limit) => ({ requestsPerMinute: Option.getOrUndefined(limit) })
)

/**
 * Loads limiter options from a `Config` (default {@link fromEnv}); a bad value is an `InvalidConfig` naming the
 * variable (never echoing it).
 *
 * @since 0.2.0
 * @category constructors
 */
export const load = (config: Config.Config<Options> = fromEnv): Effect.Effect<Options, VoucherifyError.InvalidConfig> =>
  Effect.mapError(
    config,
    () =>
      new VoucherifyError.InvalidConfig({
        field: "VOUCHERIFY_RATE_LIMIT",
        reason: "must be a positive integer (requests per minute)"
      })
  )

/**
 * A shared in-memory limiter configured from the environment (`VOUCHERIFY_RATE_LIMIT`, see {@link fromEnv}).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<Options> = fromEnv
): Layer.Layer<VoucherifyRateLimiter, VoucherifyError.InvalidConfig> =>
  Layer.effect(
    VoucherifyRateLimiter,
    Effect.flatMap(load(config), (options) =>
      Effect.mapError(make(options), (error) =>
        error.field === "requestsPerMinute"
          ? new VoucherifyError.InvalidConfig({ field: "VOUCHERIFY_RATE_LIMIT", reason: error.reason })
          : error
      )
    )
  )
