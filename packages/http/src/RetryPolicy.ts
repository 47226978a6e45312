/**
 * When and how a failed request is retried. Only transient failures are retried (429, 500/502/503/504,
 * transport errors, per-request timeouts, bodies cut short), with jittered, capped exponential backoff
 * and a bounded number of attempts. A server's `Retry-After` / `X-Rate-Limit-Retry` is honoured,
 * clamped to `maxRetryAfter`. One call never waits more than `retryBudget` (default 60 s) in total on
 * its retries, whatever the headers say: a server asking for a wait the budget cannot cover ends the
 * call at once with its `RateLimited`, which says how long it asked for. Every call reads the current policy from a `Context.Reference`, so one
 * call can be wrapped with a different policy via {@link withPolicy}.
 *
 * @since 0.1.0
 */
import { VoucherifyError } from "@voucherify-effect/core"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Retries after the first attempt (default 4, so at most 5 requests). */
  readonly maxRetries?: number
  /** First backoff delay (default 500 ms); doubles on each retry. */
  readonly baseDelay?: Duration.DurationInput
  /** Cap on a backoff delay (default 10 s). */
  readonly maxDelay?: Duration.DurationInput
  /** Cap on a server-requested wait (default 60 s): a longer `Retry-After` is clamped to this. */
  readonly maxRetryAfter?: Duration.DurationInput
  /**
   * Total time one call may spend waiting between its attempts (default 60 s). A retry whose delay
   * would pass it is not made, and neither is one after a server wait longer than what is left.
   */
  readonly retryBudget?: Duration.DurationInput
}

/**
 * @since 0.2.0
 * @category constants
 */
export const defaultRetryBudget: Duration.Duration = Duration.seconds(60)

/**
 * A retry schedule over the library's errors.
 *
 * @since 0.1.0
 * @category models
 */
export type RetryPolicy = Schedule.Schedule<unknown, VoucherifyError.VoucherifyError>

const serverWait = (error: VoucherifyError.VoucherifyError): Duration.Duration =>
  error._tag === "RateLimited" && error.retryAfterMillis !== undefined
    ? Duration.millis(error.retryAfterMillis)
    : Duration.zero

/**
 * Bounds the total delay of a retry schedule: the schedule stops instead of waiting past `budget`, and
 * stops at once when the server asks for more than the budget has left.
 *
 * @since 0.2.0
 * @category combinators
 */
export const withBudget = (self: RetryPolicy, budget: Duration.DurationInput): RetryPolicy => {
  const budgetMillis = Duration.toMillis(Duration.decode(budget))
  return Schedule.makeWithState(
    [self.initial, 0] as readonly [unknown, number],
    (now, input: VoucherifyError.VoucherifyError, [state, spent]) =>
      Effect.map(self.step(now, input, state), ([next, out, decision]) => {
        if (ScheduleDecision.isDone(decision)) return [[next, spent] as const, out, decision] as const
        const delay = Math.max(0, ScheduleIntervals.start(decision.intervals) - now)
        const left = budgetMillis - spent
        return Duration.toMillis(serverWait(input)) > left || delay > left
          ? ([[next, spent] as const, out, ScheduleDecision.done] as const)
          : ([[next, spent + delay] as const, out, decision] as const)
      })
  )
}

/**
 * Builds a policy: `maxRetries` retries of transient errors, each delay the larger of the jittered
 * exponential backoff and the server's requested wait (clamped), all within the retry budget.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): RetryPolicy => {
  const maxDelay = Duration.decode(options.maxDelay ?? "10 seconds")
  const maxRetryAfter = Duration.decode(options.maxRetryAfter ?? "60 seconds")
  const backoff = Schedule.exponential(options.baseDelay ?? "500 millis", 2).pipe(
    Schedule.jittered,
    Schedule.modifyDelay((_, delay) => Duration.min(delay, maxDelay))
  )
  const policy = Schedule.identity<VoucherifyError.VoucherifyError>().pipe(
    Schedule.zipLeft(backoff),
    Schedule.modifyDelay((error, delay) => Duration.max(delay, Duration.min(serverWait(error), maxRetryAfter))),
    Schedule.zipLeft(Schedule.recurs(options.maxRetries ?? 4)),
    Schedule.whileInput(VoucherifyError.isTransient)
  )
  return withBudget(policy, options.retryBudget ?? defaultRetryBudget)
}

/**
 * The default policy: 4 retries, 500 ms doubling to at most 10 s, server waits up to 60 s, at most 60 s of
 * waiting in total per call.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultPolicy: RetryPolicy = make()

/**
 * Never retry.
 *
 * @since 0.1.0
 * @category constants
 */
export const none: RetryPolicy = Schedule.stop

/**
 * The policy in effect for requests made by the current fiber.
 *
 * @since 0.1.0
 * @category references
 */
export class CurrentRetryPolicy extends Context.Reference<CurrentRetryPolicy>()(
  "@voucherify-effect/http/RetryPolicy/CurrentRetryPolicy",
  { defaultValue: (): RetryPolicy => defaultPolicy }
) {}

/**
 * Runs an effect (one call, or a whole program) with a different retry policy.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withPolicy =
  (policy: RetryPolicy) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(self, CurrentRetryPolicy, policy)
