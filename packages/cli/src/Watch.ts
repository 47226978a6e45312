/**
 * Follows several async actions at once until each finishes, rendering as it goes: live progress bars
 * redrawn in place on a terminal, one plain line per change otherwise, or NDJSON with `json`.
 *
 * @since 0.1.0
 */
import { AsyncAction, VoucherifyError } from "@voucherify-effect/core"
import { AsyncActions, type PollPolicy } from "@voucherify-effect/http"
import { type Duration, Effect, Stream } from "effect"
import * as ExitCode from "./ExitCode.js"
import * as Wire from "./internal/wire.js"
import * as Render from "./Render.js"
import * as Stdio from "./Stdio.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Overall deadline for every action (each wait starts at the same time). */
  readonly timeout?: Duration.Duration | undefined
  /** Polling schedule (default: the library's jittered backoff). */
  readonly schedule?: PollPolicy.PollSchedule | undefined
  /** Print each change as one NDJSON line (the wire JSON) instead of rendering. */
  readonly json: boolean
  /** Print one stderr line per FAILED action and per timeout (default true). */
  readonly reportFailures?: boolean | undefined
  /** Redraw interval of the spinner on a terminal (default 120 ms). */
  readonly frameMillis?: number | undefined
}

/**
 * How the watch ended.
 *
 * @since 0.1.0
 * @category models
 */
export interface Result {
  readonly code: ExitCode.ExitCode
  readonly entries: ReadonlyArray<Render.WatchEntry>
}

type Event =
  | { readonly _tag: "Update"; readonly index: number; readonly action: AsyncAction.AsyncAction }
  | { readonly _tag: "TimedOut"; readonly index: number; readonly error: VoucherifyError.WaitTimeout }
  | { readonly _tag: "Tick" }

/**
 * The NDJSON line of one action: its wire JSON (snake_case), exactly as the API sends it.
 *
 * @since 0.1.0
 * @category utils
 */
export const jsonLine: (action: AsyncAction.AsyncAction) => string = Wire.jsonLine

/**
 * Watches `ids` concurrently. Fails with the first API or transport error (after the client's retries);
 * a timeout or a FAILED action is reported in the result's exit code (5, then 1) instead.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run = (
  ids: ReadonlyArray<string>,
  options: Options
): Effect.Effect<Result, VoucherifyError.VoucherifyError, AsyncActions.AsyncActions | Stdio.Stdio> =>
  Effect.gen(function* () {
    const service = yield* AsyncActions.AsyncActions
    const stdio = yield* Stdio.Stdio
    const color = yield* Stdio.useColor(stdio.stdout)
    const style: Render.Style = { color }
    const live = stdio.stdout.isTTY && !options.json
    const entries: Array<Render.WatchEntry> = ids.map((id) => ({ id, action: undefined }))
    const timeouts: Array<VoucherifyError.WaitTimeout> = []
    let frame = 0
    let drawn = 0

    const waitOptions = {
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(options.schedule === undefined ? {} : { schedule: options.schedule })
    }
    const watches = ids.map((id, index) =>
      service.watch(id, waitOptions).pipe(
        Stream.map((action): Event => ({ _tag: "Update", index, action })),
        Stream.catchTag("WaitTimeout", (error) => Stream.succeed<Event>({ _tag: "TimedOut", index, error }))
      )
    )
    const updates = Stream.mergeAll(watches, { concurrency: "unbounded" })
    const events = live
      ? Stream.merge(
          updates,
          Stream.tick(options.frameMillis ?? 120).pipe(Stream.map((): Event => ({ _tag: "Tick" }))),
          { haltStrategy: "left" }
        )
      : updates

    const draw = Effect.suspend(() => {
      // A pseudo-terminal without a size reports 0 columns: treat that as unknown.
      const width = Math.max(40, (stdio.stdout.columns() || 120) - 1)
      const lines = entries.map((entry) => Render.progressLine(entry, { style, width, frame }))
      const text = Render.redraw(lines, drawn)
      drawn = lines.length
      return stdio.stdout.write(text)
    })

    const handle = (event: Event): Effect.Effect<void> => {
      switch (event._tag) {
        case "Tick":
          frame++
          return draw
        case "Update": {
          const entry = entries[event.index]
          if (entry !== undefined) entries[event.index] = { ...entry, action: event.action }
          if (live) return draw
          return stdio.stdout.write(`${options.json ? jsonLine(event.action) : Render.progressText(event.action)}\n`)
        }
        case "TimedOut": {
          const entry = entries[event.index]
          timeouts.push(event.error)
          if (entry !== undefined) {
            entries[event.index] = { ...entry, action: entry.action ?? event.error.lastAction, ended: "timeout" }
          }
          return live ? draw : Effect.void
        }
      }
    }

    const follow = Stream.runForEach(events, handle)
    yield* live
      ? Effect.acquireUseRelease(
          stdio.stdout.write(Render.ansi.hideCursor).pipe(Effect.zipRight(draw)),
          () => follow,
          () => draw.pipe(Effect.zipRight(stdio.stdout.write(Render.ansi.showCursor)))
        )
      : follow

    const failed = entries.flatMap((entry) =>
      entry.action !== undefined && AsyncAction.outcome(entry.action) === "Failed" ? [entry.action] : []
    )
    if (options.reportFailures ?? true) {
      for (const error of timeouts) yield* Stdio.err(`voucherify-async: ${error.message}`)
      for (const action of failed) {
        yield* Stdio.err(`voucherify-async: ${new VoucherifyError.AsyncActionFailed({ action }).message}`)
      }
    }
    const code: ExitCode.ExitCode =
      timeouts.length > 0 ? ExitCode.Timeout : failed.length > 0 ? ExitCode.ActionFailed : ExitCode.Success
    return { code, entries }
  })
