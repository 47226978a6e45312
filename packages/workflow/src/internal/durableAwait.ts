// The durable await workflow: one start activity, then one activity per poll and a durable sleep between
// polls. Every decision is taken from journaled values (the start time, each poll's time and answer), so a
// replay after a crash takes the same path as the first run up to where it stopped.
import * as Activity from "@effect/workflow/Activity"
import * as DurableClock from "@effect/workflow/DurableClock"
import * as Workflow from "@effect/workflow/Workflow"
import { AsyncAction, AsyncActionId, VoucherifyError } from "@voucherify-effect/core"
import { AsyncActions, PollPolicy } from "@voucherify-effect/http"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as Schema from "effect/Schema"
import type * as DurableAwait from "../DurableAwait.js"

export const Failure = Schema.Union(
  VoucherifyError.InvalidInput,
  VoucherifyError.InvalidConfig,
  VoucherifyError.BadRequest,
  VoucherifyError.Unauthorized,
  VoucherifyError.Forbidden,
  VoucherifyError.NotFound,
  VoucherifyError.RateLimited,
  VoucherifyError.ServerError,
  VoucherifyError.UnexpectedStatus,
  VoucherifyError.InvalidResponse,
  VoucherifyError.TransportError,
  VoucherifyError.RequestTimeout,
  VoucherifyError.WaitTimeout,
  VoucherifyError.AsyncActionFailed,
  VoucherifyError.PaginationStalled
)

/** What the start activity journals: the action's id and when it was started (the deadline counts from it). */
const Started = Schema.Struct({ id: AsyncActionId.AsyncActionId, startedAtMillis: Schema.Number })

/** What one poll activity journals. It never fails: a failed poll is an answer too, kept with its time. */
const PollAnswer = Schema.Union(
  Schema.TaggedStruct("Seen", { at: Schema.Number, action: AsyncAction.AsyncAction }),
  Schema.TaggedStruct("Failed", { at: Schema.Number, error: Failure }),
  Schema.TaggedStruct("Expired", { at: Schema.Number })
)
type PollAnswer = typeof PollAnswer.Type

const succeeded = (action: AsyncAction.AsyncAction) => action.status === "DONE" && action.operationStatus !== "FAILED"

const validateKey = (key: string): Either.Either<string, VoucherifyError.InvalidInput> =>
  typeof key === "string" && key.trim() !== "" && key.length <= 200
    ? Either.right(key)
    : Either.left(
        new VoucherifyError.InvalidInput({
          field: "key",
          reason: "must be a non-empty string of at most 200 characters"
        })
      )

export const make = <Input, InputEncoded, R>(
  options: DurableAwait.Options<Input, InputEncoded, R>
): DurableAwait.DurableAwait<Input, InputEncoded, R> => {
  const schedule = options.schedule ?? PollPolicy.defaultSchedule
  const maxFailures = options.maxConsecutiveFailures ?? 3
  const timeoutMillis =
    options.timeout === undefined ? Number.POSITIVE_INFINITY : Duration.toMillis(Duration.decode(options.timeout))
  // The last poll is aimed this long before the deadline, so its answer can arrive in time.
  const lastPollMargin = Math.min(1000, timeoutMillis / 10)

  const workflow = Workflow.make({
    name: options.name,
    payload: { key: Schema.String, input: options.input },
    success: AsyncAction.AsyncAction,
    error: Failure,
    idempotencyKey: (payload) => payload.key
  })

  const startActivity = (input: Input) =>
    Activity.make({
      name: "start",
      success: Started,
      error: Failure,
      execute: Effect.gen(function* () {
        const raw = yield* options.start(input)
        const id = yield* Either.mapLeft(
          AsyncActions.validateId(raw),
          (error) =>
            new VoucherifyError.InvalidInput({ field: "start", reason: `the start step returned ${error.reason}` })
        )
        const startedAtMillis = yield* Clock.currentTimeMillis
        yield* Effect.logInfo("Voucherify async action started").pipe(Effect.annotateLogs({ id }))
        return { id, startedAtMillis }
      })
    })

  const pollActivity = (n: number, id: AsyncActionId.AsyncActionId, deadline: number) =>
    Activity.make({
      name: `poll/${n}`,
      success: PollAnswer,
      execute: Effect.gen(function* () {
        const at = yield* Clock.currentTimeMillis
        if (at >= deadline) return { _tag: "Expired" as const, at }
        const answer = yield* AsyncActions.get(id).pipe(
          Effect.timeoutOption(Duration.millis(Math.min(deadline - at, 2 ** 31 - 1))),
          Effect.either
        )
        const now = yield* Clock.currentTimeMillis
        if (Either.isLeft(answer)) return { _tag: "Failed" as const, at: now, error: answer.left }
        return Option.match(answer.right, {
          onNone: (): PollAnswer => ({ _tag: "Expired", at: now }),
          onSome: (action): PollAnswer => ({ _tag: "Seen", at: now, action })
        })
      })
    })

  const layer = workflow.toLayer(({ input }) =>
    Effect.gen(function* () {
      const started = yield* startActivity(input)
      const deadline = started.startedAtMillis + timeoutMillis
      let scheduleState: unknown = schedule.initial
      let last: Option.Option<AsyncAction.AsyncAction> = Option.none()
      let failures = 0
      let polls = 0
      const failedPolls: Record<string, number> = {}
      const timedOut = () =>
        new VoucherifyError.WaitTimeout({
          id: started.id,
          timeoutMillis,
          polls,
          failedPolls: { ...failedPolls },
          ...Option.match(last, { onNone: () => ({}), onSome: (lastAction) => ({ lastAction }) })
        })
      let at = started.startedAtMillis
      for (let n = 1; ; n++) {
        if (n > 1) {
          // Decided from the previous poll's journaled time, not the clock: a replay decides the same.
          if (at >= deadline - lastPollMargin) return yield* timedOut()
          const [next, , decision] = yield* schedule.step(at, undefined, scheduleState)
          if (ScheduleDecision.isDone(decision)) return yield* timedOut()
          scheduleState = next
          const delay = Math.max(
            0,
            Math.min(ScheduleIntervals.start(decision.intervals) - at, deadline - lastPollMargin - at)
          )
          yield* DurableClock.sleep({ name: `wait/${n}`, duration: Duration.millis(delay) })
        }
        const answer = yield* pollActivity(n, started.id, deadline)
        at = answer.at
        polls++
        switch (answer._tag) {
          case "Expired":
            polls--
            return yield* timedOut()
          case "Failed": {
            const error = answer.error
            failedPolls[error._tag] = (failedPolls[error._tag] ?? 0) + 1
            failures++
            if (!VoucherifyError.isTransient(error) || failures >= maxFailures) return yield* error
            yield* Effect.logDebug("Voucherify poll failed, will poll again").pipe(
              Effect.annotateLogs({ id: started.id, poll: n, error: error._tag })
            )
            break
          }
          case "Seen": {
            const action = answer.action
            failures = 0
            last = Option.some(action)
            yield* Effect.logDebug("Voucherify poll").pipe(
              Effect.annotateLogs({ id: started.id, poll: n, status: action.status, progress: action.progress ?? "" })
            )
            if (AsyncAction.isTerminal(action)) {
              if (succeeded(action)) return action
              return yield* new VoucherifyError.AsyncActionFailed({ action })
            }
          }
        }
      }
    })
  )

  const run = (request: DurableAwait.Request<Input>) =>
    Effect.flatMap(validateKey(request.key), (key) => workflow.execute({ key, input: request.input }))

  // What `Workflow.make` computes from the idempotency key (the hex of the first 16 bytes of the SHA-256 of
  // `name-key`), without building a payload; the tests check it against the workflow's own.
  const executionId = (key: string) =>
    Effect.map(
      Effect.promise(() =>
        globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${options.name}-${key}`))
      ),
      (buffer) => Array.from(new Uint8Array(buffer).subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")
    )

  const outcome = (key: string) =>
    Effect.flatMap(executionId(key), (id) =>
      Effect.map(workflow.poll(id), (result) =>
        result !== undefined && result._tag === "Complete" ? Option.some(result.exit) : Option.none()
      )
    )

  return {
    name: options.name,
    workflow: workflow as DurableAwait.DurableAwait<Input, InputEncoded, R>["workflow"],
    layer: layer as DurableAwait.DurableAwait<Input, InputEncoded, R>["layer"],
    run,
    executionId,
    outcome: outcome as DurableAwait.DurableAwait<Input, InputEncoded, R>["outcome"]
  }
}
