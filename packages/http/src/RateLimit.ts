/**
 * A client-side rate limiter shared by every fiber that uses the client, so a thousand concurrent
 * waiters never trip the server's limit. It keeps at most `requestsPerMinute` requests in any sliding
 * minute (which also keeps every fixed server window within the limit), and it pauses everyone when the
 * server says the budget is spent: a 429's `Retry-After`, or `X-Rate-Limit-Remaining` at zero with
 * `X-Rate-Limit-Retry`. Time comes from `Clock`, so it is testable with `TestClock`.
 *
 * @since 0.1.0
 */
import { VoucherifyError } from "@voucherify-effect/core"
import { Context, Duration, Effect, Layer, Ref } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Requests allowed in any 60-second window (Voucherify plans allow 100 or 2 000 per minute). */
  readonly requestsPerMinute?: number | undefined
  /** Longest pause honoured from server headers (default 60 s). */
  readonly maxPause?: Duration.DurationInput | undefined
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
  /** Waits until one more request may be sent, then counts it. */
  readonly acquire: Effect.Effect<void>
  /** Feeds back a response's rate-limit headers. */
  readonly observe: (observation: Observation) => Effect.Effect<void>
  /** How many requests were admitted so far. */
  readonly admitted: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class VoucherifyRateLimiter extends Context.Tag("@voucherify-effect/http/RateLimit/VoucherifyRateLimiter")<
  VoucherifyRateLimiter,
  RateLimiter
>() {}

const windowMillis = 60_000

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
    // Ring buffer of the admission times of the last `limit` requests: constant memory.
    const admissions = limit === undefined ? [] : new Array<number>(limit).fill(Number.NEGATIVE_INFINITY)
    let next = 0
    let admittedCount = 0
    const pauseUntil = yield* Ref.make(0)
    const gate = yield* Effect.makeSemaphore(1)

    const waitUntil = (at: number) =>
      Effect.flatMap(
        Effect.clockWith((clock) => clock.currentTimeMillis),
        (now) => (at > now ? Effect.sleep(Duration.millis(at - now)) : Effect.void)
      )

    const acquire = gate.withPermits(1)(
      Effect.gen(function* () {
        yield* waitUntil(yield* Ref.get(pauseUntil))
        if (limit !== undefined) {
          // The slot we reuse was taken `limit` requests ago; it frees up one window after that.
          yield* waitUntil((admissions[next] ?? Number.NEGATIVE_INFINITY) + windowMillis)
          admissions[next] = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
          next = (next + 1) % limit
        }
        admittedCount += 1
      })
    )

    const observe = (observation: Observation) =>
      Effect.gen(function* () {
        const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
        let until = 0
        if (observation.retryAfterMillis !== undefined) until = now + observation.retryAfterMillis
        else if (observation.status === 429 || observation.remaining === 0) {
          until = observation.retryAtMillis ?? (observation.status === 429 ? now + 1000 : 0)
        }
        if (until > now) {
          const capped = Math.min(until, now + maxPause)
          yield* Ref.update(pauseUntil, (current) => Math.max(current, capped))
        }
      })

    return { acquire, observe, admitted: Effect.sync(() => admittedCount) }
  })

/**
 * A shared limiter for every client in the program.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<VoucherifyRateLimiter, VoucherifyError.InvalidConfig> =>
  Layer.effect(VoucherifyRateLimiter, make(options))
