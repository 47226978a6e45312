/**
 * How often a wait polls. The first poll is immediate; then the delay grows from about a second to a
 * cap with jitter, so a long import does not burn the rate budget and many waiters do not poll in step.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"

/**
 * A polling schedule: each output is ignored; only its delays matter.
 *
 * @since 0.1.0
 * @category models
 */
export type PollSchedule = Schedule.Schedule<unknown, unknown>

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** First delay after the immediate poll (default 1 s). */
  readonly initialDelay?: Duration.DurationInput
  /** Growth per poll (default 1.5). */
  readonly factor?: number
  /** Longest delay between polls (default 15 s). */
  readonly maxDelay?: Duration.DurationInput
}

/**
 * Jittered exponential polling, capped.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): PollSchedule => {
  const maxDelay = Duration.decode(options.maxDelay ?? "15 seconds")
  return Schedule.exponential(options.initialDelay ?? "1 second", options.factor ?? 1.5).pipe(
    Schedule.jittered,
    Schedule.modifyDelay((_, delay) => Duration.min(delay, maxDelay))
  )
}

/**
 * 1 s growing by 1.5× to 15 s, jittered.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultSchedule: PollSchedule = make()

/**
 * A fixed interval (no growth, no jitter), handy in tests and scripts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fixed = (interval: Duration.DurationInput): PollSchedule => Schedule.spaced(interval)
