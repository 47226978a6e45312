/**
 * The Async Actions service: get one action, list a page, stream every page, watch an action's
 * progress, and await its completion. Inputs are validated before any request is sent.
 *
 * @since 0.1.0
 */
import {
  AsyncAction,
  type AsyncActionId,
  AsyncActionList,
  type AsyncActionList as AsyncActionListModule,
  Input,
  VoucherifyError
} from "@voucherify-effect/core"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import * as SharedPoller from "./internal/sharedPoller.js"
import * as Spans from "./internal/span.js"
import * as Pagination from "./Pagination.js"
import * as PollPolicy from "./PollPolicy.js"
import * as RateLimit from "./RateLimit.js"
import { VoucherifyClient } from "./VoucherifyClient.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface ListOptions {
  /** Page size, 1..100. The API's default is undocumented, so the client always sends one (default 100). */
  readonly limit?: number | undefined
  /** Only actions created before this instant (ISO text, `Date` or `DateTime`). */
  readonly endDate?: AsyncActionListModule.DateInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions {
  /** Actions per request, 1..100 (default 100). */
  readonly pageSize?: number | undefined
  readonly endDate?: AsyncActionListModule.DateInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** Delays between polls after the first, immediate one (default `PollPolicy.defaultSchedule`). */
  readonly schedule?: PollPolicy.PollSchedule | undefined
  /** Overall deadline; without one the wait lasts until the action finishes. */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * Polls in a row that may fail with a transient error (after the request's own retries) before the
   * wait gives up with that error (default 3). Permanent errors (401, 403, 404, …) end the wait at once.
   */
  readonly maxConsecutiveFailures?: number | undefined
  /**
   * `"shared"` (the service's default): the wait joins the service's shared poller, whose list requests
   * answer many waits at once. `"per-id"`: the wait polls `GET /v1/async-actions/{id}` on its own.
   */
  readonly polling?: Polling | undefined
}

/**
 * How waits poll: one shared poller for every wait of the service, or one `GET` by id per wait and poll.
 *
 * @since 0.2.0
 * @category models
 */
export type Polling = "shared" | "per-id"

/**
 * Options of the service.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * Default polling of `watch` and `awaitCompletion` (default `"shared"`); one wait can override it with
   * `WaitOptions.polling`. Choose `"per-id"` for a server whose list endpoint is unusable.
   */
  readonly polling?: Polling | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly get: (id: string) => Effect.Effect<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError>
  readonly list: (
    options?: ListOptions
  ) => Effect.Effect<AsyncActionListModule.AsyncActionList, VoucherifyError.VoucherifyError>
  readonly stream: (options?: StreamOptions) => Stream.Stream<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError>
  readonly watch: (
    id: string,
    options?: WaitOptions
  ) => Stream.Stream<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError>
  readonly awaitCompletion: (
    id: string,
    options?: WaitOptions
  ) => Effect.Effect<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class AsyncActions extends Context.Tag("@voucherify-effect/http/AsyncActions")<AsyncActions, Service>() {}

/**
 * Validates an async action id (`aa_` followed by letters and digits) before it is put in a URL.
 * The validator lives in `@voucherify-effect/core` (`Input.validateId`); this is the same function.
 *
 * @since 0.1.0
 * @category validation
 */
export const validateId: (id: unknown) => Either.Either<AsyncActionId.AsyncActionId, VoucherifyError.InvalidInput> = (
  id
) => Input.validateId(id)

/**
 * Validates a duration (`"30 seconds"`, `30s`, millis as a number, a `Duration`), naming the field.
 * The validator lives in `@voucherify-effect/core` (`Input.validateDuration`); this is the same function.
 *
 * @since 0.1.0
 * @category validation
 */
export const validateDuration: (
  input: unknown,
  field: string
) => Either.Either<Duration.Duration, VoucherifyError.InvalidInput> = Input.validateDuration

const decodeAction = AsyncAction.decodeJson
const decodeList = AsyncActionList.decodeJson

const defaultPageSize = 100
const changed = (previous: Option.Option<AsyncAction.AsyncAction>, next: AsyncAction.AsyncAction) =>
  Option.match(previous, {
    onNone: () => true,
    onSome: (last) => last.status !== next.status || last.progress !== next.progress
  })

// DONE with operation_status FAILED is a failure too.
const succeeded = (action: AsyncAction.AsyncAction) => action.status === "DONE" && action.operationStatus !== "FAILED"

interface WaitStats {
  readonly polls: number
  readonly failedPolls: Readonly<Record<string, number>>
  readonly last: Option.Option<AsyncAction.AsyncAction>
}

interface WaitState {
  readonly first: boolean
  readonly final: boolean
  readonly scheduleState: unknown
  readonly last: Option.Option<AsyncAction.AsyncAction>
  readonly failures: number
  readonly done: boolean
  /** Every poll so far, and the failed ones by error tag: reported by a timeout. */
  readonly polls: number
  readonly failedPolls: Readonly<Record<string, number>>
}

/**
 * Builds the service on the `VoucherifyClient` in context, with options. Its shared poller (one fiber,
 * idle while nobody waits) lives as long as the scope.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeWith = (options: Options = {}): Effect.Effect<Service, never, VoucherifyClient | Scope.Scope> =>
  Effect.gen(function* () {
    const client = yield* VoucherifyClient
    const defaultPolling = options.polling ?? "shared"

    const fetchAction = (id: AsyncActionId.AsyncActionId, parentSpan?: Tracer.AnySpan) =>
      client.get({ path: `/v1/async-actions/${id}`, decode: decodeAction, parentSpan })

    const get = (id: string) =>
      // The span's name says where it comes from; capturing a stack trace per call costs more than it tells.
      // It is handed to the request as its parent rather than provided around it (a context change per call).
      Spans.use(
        "AsyncActions.get",
        { attributes: { "voucherify.async_action.id": id }, captureStackTrace: false },
        (span) =>
          Effect.flatMap(validateId(id), (validId) =>
            Effect.map(fetchAction(validId, span), (action) => {
              span.attribute("voucherify.async_action.type", action.type)
              span.attribute("voucherify.async_action.status", action.status)
              return action
            })
          )
      )

    const fetchPage = (query: AsyncActionListModule.ListQuery, parentSpan?: Tracer.AnySpan) =>
      client.get({
        path: "/v1/async-actions",
        urlParams: AsyncActionList.toUrlParams(query),
        decode: decodeList,
        parentSpan
      })

    const poller = yield* SharedPoller.make(
      {
        fetchAction: (id) => fetchAction(id as AsyncActionId.AsyncActionId),
        fetchPage
      },
      yield* Effect.serviceOption(RateLimit.VoucherifyRateLimiter)
    )

    const list = (options: ListOptions = {}) =>
      Effect.flatMap(
        AsyncActionList.validateListQuery({ limit: options.limit ?? defaultPageSize, endDate: options.endDate }),
        fetchPage
      ).pipe(
        Effect.tap((page) => Effect.annotateCurrentSpan("voucherify.page.size", page.asyncActions.length)),
        Spans.wrap("AsyncActions.list", { captureStackTrace: false })
      )

    const stream = (options: StreamOptions = {}) =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          // One span for the whole walk, made the parent of each page's request. (`Stream.withSpan` would
          // provide it to every step of the stream's machinery, and `Effect.withParentSpan` around each page
          // costs a context change per page: both measurably slowed every page.)
          const span = yield* Effect.makeSpanScoped("AsyncActions.stream", { captureStackTrace: false })
          const pageSize = yield* AsyncActionList.validateLimit(options.pageSize ?? defaultPageSize, "pageSize")
          const endDate =
            options.endDate === undefined
              ? Option.none()
              : Option.some(yield* AsyncActionList.validateDate(options.endDate, "endDate"))
          return Stream.paginateChunkEffect(Pagination.start(endDate), (cursor) =>
            fetchPage(
              {
                limit: pageSize,
                ...Option.match(cursor.endDate, { onNone: () => ({}), onSome: (endDate) => ({ endDate }) })
              },
              span
            ).pipe(
              Effect.flatMap((page) => Pagination.advance(cursor, page, pageSize)),
              // Annotating costs more than the log line itself: only when Debug logs are on.
              Effect.tap((step) =>
                Effect.whenLogLevel(
                  Effect.logDebug("Voucherify page").pipe(
                    Effect.annotateLogs({ page: cursor.pages + 1, fresh: step.fresh.length })
                  ),
                  "Debug"
                )
              ),
              Effect.map((step) => [Chunk.fromIterable(step.fresh), step.next] as const)
            )
          )
        })
      )

    // Validates a wait's inputs and works out its deadline, before any request.
    const prepare = (id: string, options: WaitOptions) =>
      Effect.gen(function* () {
        const validId = yield* validateId(id)
        const timeout =
          options.timeout === undefined
            ? Option.none()
            : Option.some(yield* validateDuration(options.timeout, "timeout"))
        const maxFailures = options.maxConsecutiveFailures ?? 3
        const polling = options.polling ?? defaultPolling
        if (polling !== "shared" && polling !== "per-id") {
          return yield* new VoucherifyError.InvalidInput({ field: "polling", reason: 'must be "shared" or "per-id"' })
        }
        const schedule = options.schedule ?? PollPolicy.defaultSchedule
        const startedAt = yield* Clock.currentTimeMillis
        const timeoutMillis = Option.match(timeout, {
          onNone: () => Number.POSITIVE_INFINITY,
          onSome: Duration.toMillis
        })
        const deadline = startedAt + timeoutMillis
        // The last poll is aimed this long before the deadline, so its answer can arrive in time.
        const lastPollMargin = Math.min(1000, timeoutMillis / 10)

        const timedOut = (state: WaitStats) =>
          new VoucherifyError.WaitTimeout({
            id: validId,
            timeoutMillis,
            polls: state.polls,
            failedPolls: state.failedPolls,
            ...Option.match(state.last, { onNone: () => ({}), onSome: (lastAction) => ({ lastAction }) })
          })
        const spec: SharedPoller.WaitSpec = {
          id: validId,
          schedule,
          deadline,
          lastPollMargin,
          maxConsecutiveFailures: maxFailures,
          timedOut
        }
        return { validId, polling, schedule, deadline, lastPollMargin, maxFailures, timedOut, spec }
      })

    const watch = (id: string, options: WaitOptions = {}) =>
      Stream.unwrap(
        Effect.gen(function* () {
          const { deadline, lastPollMargin, maxFailures, polling, schedule, spec, timedOut, validId } = yield* prepare(
            id,
            options
          )
          if (polling === "shared") {
            return Stream.unwrapScoped(
              Effect.map(poller.register(spec), (registration) => {
                let last = Option.none<AsyncAction.AsyncAction>()
                return Mailbox.toStream(registration.events).pipe(
                  Stream.filter((action) => {
                    const emit = changed(last, action)
                    last = Option.some(action)
                    return emit
                  })
                )
              })
            )
          }

          const poll = (state: WaitState) =>
            Effect.gen(function* () {
              const now = yield* Clock.currentTimeMillis
              const remaining = deadline - now
              if (remaining <= 0) return yield* timedOut(state)
              return yield* fetchAction(validId).pipe(
                Effect.timeoutFail({ duration: Duration.millis(remaining), onTimeout: () => timedOut(state) })
              )
            })

          const step = (state: WaitState) =>
            Effect.gen(function* () {
              if (state.done) return Option.none()
              let scheduleState = state.scheduleState
              let final = false
              if (!state.first) {
                if (state.final) return yield* timedOut(state)
                const now = yield* Clock.currentTimeMillis
                const [nextState, , decision] = yield* schedule.step(now, undefined, state.scheduleState)
                if (ScheduleDecision.isDone(decision)) return yield* timedOut(state)
                scheduleState = nextState
                const delay = Math.max(0, ScheduleIntervals.start(decision.intervals) - now)
                const untilLastPoll = deadline - lastPollMargin - now
                final = delay >= untilLastPoll
                yield* Effect.sleep(Duration.millis(Math.max(0, Math.min(delay, untilLastPoll))))
              }
              const result = yield* Effect.either(poll(state))
              if (Either.isLeft(result)) {
                const error = result.left
                if (
                  error._tag === "WaitTimeout" ||
                  !VoucherifyError.isTransient(error) ||
                  state.failures + 1 >= maxFailures
                ) {
                  return yield* error
                }
                yield* Effect.logDebug("Voucherify poll failed, will poll again").pipe(
                  Effect.annotateLogs({ id: validId, error: error._tag })
                )
                const next: WaitState = {
                  ...state,
                  first: false,
                  final,
                  scheduleState,
                  failures: state.failures + 1,
                  polls: state.polls + 1,
                  failedPolls: { ...state.failedPolls, [error._tag]: (state.failedPolls[error._tag] ?? 0) + 1 }
                }
                return Option.some([Chunk.empty<AsyncAction.AsyncAction>(), next] as const)
              }
              const action = result.right
              yield* Effect.logDebug("Voucherify poll").pipe(
                Effect.annotateLogs({ id: validId, status: action.status, progress: action.progress ?? "" })
              )
              const terminal = AsyncAction.isTerminal(action)
              const emit = changed(state.last, action) ? Chunk.of(action) : Chunk.empty<AsyncAction.AsyncAction>()
              const next: WaitState = {
                first: false,
                final,
                scheduleState,
                last: Option.some(action),
                failures: 0,
                done: terminal,
                polls: state.polls + 1,
                failedPolls: state.failedPolls
              }
              return Option.some([emit, next] as const)
            })

          const initial: WaitState = {
            first: true,
            final: false,
            scheduleState: schedule.initial,
            last: Option.none(),
            failures: 0,
            done: false,
            polls: 0,
            failedPolls: {}
          }
          return Stream.unfoldChunkEffect(initial, step)
        })
      ).pipe(Stream.withSpan("AsyncActions.watch", { attributes: { "voucherify.async_action.id": id } }))

    // A shared wait needs only the end: no stream, the poller keeps just the latest snapshot and resumes the
    // waiting fiber itself. Its requests run on the poller's fiber, so only per-id waits (whose requests run
    // here) get the span as their parent: a thousand suspended waits then hold a few frames each, not a context
    // change and a stack of combinators apiece.
    const awaitCompletion = (id: string, options: WaitOptions = {}) =>
      Spans.use("AsyncActions.awaitCompletion", { attributes: { "voucherify.async_action.id": id } }, (span) =>
        Effect.flatMap(prepare(id, options), (prepared) =>
          prepared.polling === "shared"
            ? poller.awaitEnd(prepared.spec)
            : Effect.withParentSpan(Stream.runLast(watch(id, options)), span)
        ).pipe(
          Effect.flatMap(
            Option.match({
              // watch ends only after a terminal snapshot; an empty stream would mean no poll happened.
              onNone: (): Effect.Effect<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError> =>
                Effect.fail(new VoucherifyError.WaitTimeout({ id, timeoutMillis: 0 })),
              onSome: (action): Effect.Effect<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError> => {
                if (!succeeded(action)) return Effect.fail(new VoucherifyError.AsyncActionFailed({ action }))
                span.attribute("voucherify.async_action.status", action.status)
                return Effect.succeed(action)
              }
            })
          )
        )
      )

    return { get, list, stream, watch, awaitCompletion }
  })

/**
 * Builds the service on the `VoucherifyClient` in context, waits sharing one poller.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, VoucherifyClient | Scope.Scope> = makeWith()

/**
 * The service, its shared poller scoped to the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<AsyncActions, never, VoucherifyClient> = Layer.scoped(AsyncActions, make)

/**
 * The service with options (for example `{ polling: "per-id" }`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerWith = (options: Options): Layer.Layer<AsyncActions, never, VoucherifyClient> =>
  Layer.scoped(AsyncActions, makeWith(options))

/**
 * @since 0.1.0
 * @category accessors
 */
export const get = (id: string) => Effect.flatMap(AsyncActions, (service) => service.get(id))

/**
 * @since 0.1.0
 * @category accessors
 */
export const list = (options?: ListOptions) => Effect.flatMap(AsyncActions, (service) => service.list(options))

/**
 * @since 0.1.0
 * @category accessors
 */
export const stream = (options?: StreamOptions) => Stream.unwrap(Effect.map(AsyncActions, (s) => s.stream(options)))

/**
 * @since 0.1.0
 * @category accessors
 */
export const watch = (id: string, options?: WaitOptions) =>
  Stream.unwrap(Effect.map(AsyncActions, (service) => service.watch(id, options)))

/**
 * @since 0.1.0
 * @category accessors
 */
export const awaitCompletion = (id: string, options?: WaitOptions) =>
  Effect.flatMap(AsyncActions, (service) => service.awaitCompletion(id, options))
