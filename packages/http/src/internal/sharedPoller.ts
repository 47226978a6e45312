// One poller fiber for every wait of an `AsyncActions` instance. Waits register an entry per action id
// (several waits on one id share it). Each round lists `GET /v1/async-actions` from the newest page back
// as far as the pages pay for themselves (a page is read only while the pages read cover at least as many
// pending entries), then polls by id the due entries the pages did not show (learning their `created_at`).
// An action seen terminal in a page is fetched once by id for its `result`, then all its waits end; those
// GETs run beside the rounds (a burst of finished imports does not hold the next round back).
//
// When: the next round is due when the most urgent wait's own schedule says so (a new wait is due at once,
// and a wait's final poll stays before its deadline). With a rate limiter that reports its budget, rounds
// may come sooner while the budget has room: they then spend at most `spareShare` of the limit per minute,
// and only while the last minute used at most `spareCeiling` of it, so waits never crowd out other calls.
import type { AsyncAction, AsyncActionList, VoucherifyError } from "@voucherify-effect/core"
import { AsyncAction as AsyncActionModule, VoucherifyError as Errors } from "@voucherify-effect/core"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import type * as Scope from "effect/Scope"
import * as Pagination from "../Pagination.js"
import type * as PollPolicy from "../PollPolicy.js"
import type * as RateLimit from "../RateLimit.js"
import * as RetryPolicy from "../RetryPolicy.js"

/** Share of the limiter's per-minute budget that rounds beyond the waits' own schedules may spend. */
export const spareShare = 0.25
/** Rounds come early only while the last 60 s used at most this share of the limit (a fifth stays free). */
export const spareCeiling = 0.8
/** GETs by id of one round run this many at a time, and so do the GETs for results. */
const byIdConcurrency = 32
const pageSize = 100

export interface Requests {
  readonly fetchAction: (id: string) => Effect.Effect<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError>
  readonly fetchPage: (query: {
    readonly limit: number
    readonly endDate?: DateTime.Utc
  }) => Effect.Effect<AsyncActionList.AsyncActionList, VoucherifyError.VoucherifyError>
}

export interface WaitSpec {
  readonly id: string
  readonly schedule: PollPolicy.PollSchedule
  /** Epoch ms (infinite: no deadline). */
  readonly deadline: number
  /** The last poll is aimed this long before the deadline. */
  readonly lastPollMargin: number
  readonly maxConsecutiveFailures: number
  readonly timedOut: (stats: WaitStats) => VoucherifyError.VoucherifyError
}

export interface WaitStats {
  readonly polls: number
  readonly failedPolls: Readonly<Record<string, number>>
  readonly last: Option.Option<AsyncAction.AsyncAction>
}

export interface Registration {
  /** Every snapshot the poller learns (not deduplicated), the terminal one last; fails with the wait's error. */
  readonly events: Mailbox.ReadonlyMailbox<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError>
  readonly stats: () => WaitStats
}

export interface SharedPoller {
  /** Registers a wait until the scope closes (`watch`); its first poll is immediate. */
  readonly register: (spec: WaitSpec) => Effect.Effect<Registration, never, Scope.Scope>
  /**
   * A wait that needs only its end (`awaitCompletion`): the terminal snapshot, or the wait's error. The caller's
   * fiber suspends in one step until the poller resumes it (no mailbox, scope or finalizer per wait: with a
   * thousand waits, what each suspended fiber holds is most of the memory they take); interrupting it
   * unregisters the wait.
   */
  readonly awaitEnd: (
    spec: WaitSpec
  ) => Effect.Effect<Option.Option<AsyncAction.AsyncAction>, VoucherifyError.VoucherifyError>
  /** Rounds run so far (for tests and diagnostics). */
  readonly rounds: Effect.Effect<number>
}

// Where a wait's snapshots and end go: its mailbox (`register`), or the fiber suspended in `awaitEnd`.
interface Sink {
  readonly offer: (action: AsyncAction.AsyncAction) => void
  readonly end: (exit: Exit.Exit<void, VoucherifyError.VoucherifyError>) => void
}

interface Wait {
  readonly spec: WaitSpec
  readonly sink: Sink
  readonly retryPolicy: RetryPolicy.RetryPolicy
  scheduleState: unknown
  nextDue: number
  final: boolean
  failures: number
  polls: number
  failedPolls: Record<string, number>
  last: Option.Option<AsyncAction.AsyncAction>
}

interface Entry {
  readonly id: string
  createdAt: number | undefined
  /** Its GET for the result is in flight: rounds leave it alone meanwhile. */
  fetching: boolean
  readonly waits: Set<Wait>
}

const createdAtOf = (action: AsyncAction.AsyncAction) => DateTime.toEpochMillis(action.createdAt)

export const make = (
  requests: Requests,
  limiter: Option.Option<RateLimit.RateLimiter>
): Effect.Effect<SharedPoller, never, Scope.Scope> =>
  Effect.gen(function* () {
    const entries = new Map<string, Entry>()
    const scope = yield* Effect.scope
    const fetches = new Set<Fiber.RuntimeFiber<void>>()
    // Entries whose result is owed, taken in order by at most `byIdConcurrency` worker fibers. (A fiber per
    // entry waiting on a semaphore cost O(waiters) per release: Effect's semaphore wakes every waiter while a
    // permit is free. With hundreds of actions already finished at the first round, that was quadratic: seconds
    // of CPU and hundreds of MB of garbage.) `generation` tells a stopped worker set from the current one.
    const resultQueue: Array<Entry> = []
    let resultWorkers = 0
    let generation = 0
    const wake = yield* Queue.sliding<void>(1)
    let roundFiber: Fiber.RuntimeFiber<void> | undefined
    let rounds = 0
    // Oldest `created_at` of each page the last listing read: where later rounds expect an action to be.
    let pageOldest: Array<number> = []
    let pageNewest = Number.NaN
    let lastRound = { at: Number.NEGATIVE_INFINITY, cost: 0 }
    const budget = Option.flatMap(limiter, (l) => Option.fromNullable(l.budget))

    const stats = (wait: Wait): WaitStats => ({ polls: wait.polls, failedPolls: wait.failedPolls, last: wait.last })

    const remove = (entry: Entry, wait: Wait) => {
      entry.waits.delete(wait)
      if (entry.waits.size === 0 && entries.get(entry.id) === entry) entries.delete(entry.id)
    }

    const fail = (entry: Entry, wait: Wait, error: VoucherifyError.VoucherifyError) => {
      remove(entry, wait)
      wait.sink.end(Exit.fail(error))
    }

    // A poll of this wait happened at `now`: step its schedule (a round that answers a wait before it is due
    // counts as its poll too, which brings the waits' rounds together), and end it with a timeout when that
    // was its final poll or its schedule is over. The final poll keeps its time, just before the deadline.
    const afterPoll = (entry: Entry, wait: Wait, now: number) =>
      Effect.gen(function* () {
        if (wait.final) {
          if (wait.nextDue <= now) fail(entry, wait, wait.spec.timedOut(stats(wait)))
          return
        }
        const [state, , decision] = yield* wait.spec.schedule.step(now, undefined, wait.scheduleState)
        if (ScheduleDecision.isDone(decision)) return fail(entry, wait, wait.spec.timedOut(stats(wait)))
        wait.scheduleState = state
        const delay = Math.max(0, ScheduleIntervals.start(decision.intervals) - now)
        const untilLastPoll = wait.spec.deadline - wait.spec.lastPollMargin - now
        wait.final = delay >= untilLastPoll
        wait.nextDue = now + Math.max(0, Math.min(delay, untilLastPoll))
      })

    const deliver = (entry: Entry, action: AsyncAction.AsyncAction, now: number) =>
      Effect.gen(function* () {
        entry.createdAt = createdAtOf(action)
        const terminal = AsyncActionModule.isTerminal(action)
        for (const wait of [...entry.waits]) {
          wait.polls += 1
          wait.failures = 0
          wait.last = Option.some(action)
          wait.sink.offer(action)
          if (terminal) {
            remove(entry, wait)
            wait.sink.end(Exit.void)
          } else {
            yield* afterPoll(entry, wait, now)
          }
        }
      })

    // A request on behalf of these waits failed: permanent errors end them, transient ones count.
    const failed = (entry: Entry, error: VoucherifyError.VoucherifyError, now: number, onlyDue: boolean) =>
      Effect.gen(function* () {
        for (const wait of [...entry.waits]) {
          if (onlyDue && wait.nextDue > now) continue
          wait.polls += 1
          wait.failures += 1
          wait.failedPolls = { ...wait.failedPolls, [error._tag]: (wait.failedPolls[error._tag] ?? 0) + 1 }
          if (!Errors.isTransient(error) || wait.failures >= wait.spec.maxConsecutiveFailures) {
            fail(entry, wait, error)
          } else {
            yield* Effect.logDebug("Voucherify poll failed, will poll again").pipe(
              Effect.annotateLogs({ id: entry.id, error: error._tag })
            )
            yield* afterPoll(entry, wait, now)
          }
        }
      })

    // Requests of a round run under the retry policy of the longest-registered wait.
    const policy = () => {
      for (const entry of entries.values()) for (const wait of entry.waits) return wait.retryPolicy
      return RetryPolicy.defaultPolicy
    }

    const isDue = (entry: Entry, now: number) => {
      for (const wait of entry.waits) if (wait.nextDue <= now) return true
      return false
    }

    // Page (1-based, counting from the newest) where an action created at `at` is expected.
    const expectedPage = (at: number | undefined, read: number) => {
      if (at === undefined) return read + 1
      for (let i = 0; i < pageOldest.length; i++) if ((pageOldest[i] as number) <= at) return i + 1
      const known = pageOldest.length
      if (known === 0) return 1
      const oldest = pageOldest[known - 1] as number
      const span = (pageNewest - oldest) / known
      return span > 0 ? known + Math.ceil((oldest - at) / span) : known + 1
    }

    // The last page worth reading for these entries, pages up to `read` being read already: the deepest
    // page whose further pages cover at least as many entries as they cost.
    const pagesWorthReading = (pending: ReadonlyArray<Entry>, read: number) => {
      const pages = pending
        .map((entry) => Math.max(read + 1, expectedPage(entry.createdAt, read)))
        .sort((a, b) => a - b)
      let best = read
      pages.forEach((page, index) => {
        if (page - read <= index + 1) best = Math.max(best, page)
      })
      return best
    }

    // The GETs for results, beside the rounds: a worker takes owed entries until none is left.
    const takeResults = (worker: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        const entry = resultQueue.shift()
        if (entry === undefined) {
          if (worker === generation) resultWorkers -= 1
          return Effect.void
        }
        // Its waits went meanwhile: nothing is owed.
        if (entry.waits.size === 0) {
          entry.fetching = false
          return takeResults(worker)
        }
        return Effect.either(requests.fetchAction(entry.id)).pipe(
          Effect.flatMap((result) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              Either.isRight(result) ? deliver(entry, result.right, now) : failed(entry, result.left, now, false)
            )
          ),
          Effect.ensuring(
            Effect.sync(() => {
              entry.fetching = false
            })
          ),
          Effect.zipRight(Effect.suspend(() => takeResults(worker)))
        )
      })

    const fetchResult = (entry: Entry) =>
      Effect.suspend(() => {
        entry.fetching = true
        resultQueue.push(entry)
        if (resultWorkers >= byIdConcurrency) return Effect.void
        resultWorkers += 1
        return takeResults(generation).pipe(
          Effect.forkIn(scope),
          Effect.flatMap((fiber) =>
            Effect.sync(() => {
              fetches.add(fiber)
              fiber.addObserver(() => {
                fetches.delete(fiber)
              })
            })
          )
        )
      })

    const round = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      rounds += 1
      let cost = 0
      const unseen = new Set([...entries.values()].filter((entry) => !entry.fetching))
      let cursor = Pagination.start(Option.none())
      let target = pagesWorthReading([...unseen], 0)
      let listError: VoucherifyError.VoucherifyError | undefined
      const oldest: Array<number> = []
      let newest = Number.NaN
      while (cursor.pages < target && unseen.size > 0) {
        const endDate = cursor.endDate
        cost += 1
        const page = yield* Effect.either(
          requests.fetchPage(Option.isSome(endDate) ? { limit: pageSize, endDate: endDate.value } : { limit: pageSize })
        )
        if (Either.isLeft(page)) {
          listError = page.left
          break
        }
        const step = Pagination.advance(cursor, page.right, pageSize)
        if (Either.isLeft(step)) break
        const actions = page.right.asyncActions
        if (actions.length > 0) {
          if (cursor.pages === 0) newest = createdAtOf(actions[0] as AsyncAction.AsyncAction)
          oldest.push(createdAtOf(actions[actions.length - 1] as AsyncAction.AsyncAction))
        }
        let found = 0
        for (const action of step.right.fresh) {
          const entry = entries.get(action.id)
          if (entry === undefined || !unseen.has(entry)) continue
          unseen.delete(entry)
          found += 1
          if (AsyncActionModule.isTerminal(action)) {
            entry.createdAt = createdAtOf(action)
            yield* fetchResult(entry)
          } else {
            yield* deliver(entry, action, now)
          }
        }
        if (oldest.length > 0) {
          // What this round has read replaces the first pages of what earlier rounds learned.
          pageOldest = [...oldest, ...pageOldest.slice(oldest.length)]
          pageNewest = newest
        }
        if (Option.isNone(step.right.next)) break
        cursor = step.right.next.value
        // Look further only for entries that can still be further down: a known `created_at` older than
        // what was read (the boundary millisecond included), or an unknown one while pages still find some.
        const reached = oldest.at(-1) ?? Number.POSITIVE_INFINITY
        const further = [...unseen].filter((entry) =>
          entry.createdAt === undefined ? found > 0 : entry.createdAt <= reached
        )
        target = pagesWorthReading(further, cursor.pages)
      }
      if (listError !== undefined) {
        const error = listError
        if (!Errors.isTransient(error)) {
          yield* Effect.logDebug("Voucherify list failed for good, failing every wait").pipe(
            Effect.annotateLogs({ error: error._tag })
          )
          for (const entry of [...entries.values()]) yield* failed(entry, error, now, false)
          lastRound = { at: now, cost }
          return
        }
        // A transient list failure counts against the due waits it left unanswered, polled next round.
        for (const entry of unseen) yield* failed(entry, error, now, true)
        unseen.clear()
      }
      // The GETs for results are owed whenever rounds come; only what a round spends to learn counts.
      const polled = [...unseen].filter((entry) => isDue(entry, now))
      cost += polled.length
      yield* Effect.forEach(
        polled,
        (entry) =>
          Effect.either(requests.fetchAction(entry.id)).pipe(
            Effect.flatMap((result) =>
              Either.isRight(result) ? deliver(entry, result.right, now) : failed(entry, result.left, now, false)
            )
          ),
        { concurrency: byIdConcurrency, discard: true }
      )
      lastRound = { at: now, cost }
    }).pipe(Effect.withSpan("AsyncActions.pollRound", { captureStackTrace: false }))

    // When rounds may come before any wait is due: spare budget, spent at `spareShare` of the limit.
    const earlyAt = Effect.gen(function* () {
      if (Option.isNone(budget)) return Number.POSITIVE_INFINITY
      const { paused, requestsPerMinute, used } = yield* budget.value
      if (requestsPerMinute === undefined || paused || used + lastRound.cost > requestsPerMinute * spareCeiling) {
        return Number.POSITIVE_INFINITY
      }
      return lastRound.at + (Math.max(1, lastRound.cost) * 60_000) / (requestsPerMinute * spareShare)
    })

    const nextDue = () => {
      let due = Number.POSITIVE_INFINITY
      for (const entry of entries.values()) {
        // An entry whose result is being fetched is answered by that GET, not by a round.
        if (entry.fetching) continue
        for (const wait of entry.waits) due = Math.min(due, wait.nextDue)
      }
      return due
    }

    // Deadlines are kept here rather than by a timer per wait (a thousand waits, one fiber): a wait whose
    // deadline has come ends with its timeout, even while a round is still retrying.
    const nextDeadline = () => {
      let at = Number.POSITIVE_INFINITY
      for (const entry of entries.values()) for (const wait of entry.waits) at = Math.min(at, wait.spec.deadline)
      return at
    }
    const expire = Effect.map(Clock.currentTimeMillis, (now) => {
      for (const entry of [...entries.values()]) {
        for (const wait of [...entry.waits]) {
          if (wait.spec.deadline <= now) fail(entry, wait, wait.spec.timedOut(stats(wait)))
        }
      }
    })
    const sleepUntil = (at: number, now: number) =>
      Number.isFinite(at) ? Effect.sleep(Duration.millis(Math.max(0, at - now))) : Effect.never

    const loop = Effect.gen(function* () {
      yield* expire
      if (entries.size === 0) return yield* Queue.take(wake)
      const now = yield* Clock.currentTimeMillis
      const at = Math.min(nextDue(), yield* earlyAt)
      if (at > now) {
        // Woken early by a new wait, or asleep until the time comes: either way, look again.
        return yield* Effect.raceFirst(Queue.take(wake), sleepUntil(Math.min(at, nextDeadline()), now))
      }
      // Let the waits registered in the same instant join this round.
      yield* Effect.yieldNow()
      yield* Effect.yieldNow()
      const fiber = yield* Effect.fork(RetryPolicy.withPolicy(policy())(round))
      roundFiber = fiber
      while (fiber.unsafePoll() === null) {
        const deadline = nextDeadline()
        if (!Number.isFinite(deadline)) {
          yield* Fiber.await(fiber)
          break
        }
        yield* Effect.raceFirst(Effect.asVoid(Fiber.await(fiber)), sleepUntil(deadline, yield* Clock.currentTimeMillis))
        yield* expire
      }
      roundFiber = undefined
    })
    yield* Effect.forkScoped(Effect.forever(loop))

    // Adds a wait (due at once) to its entry and wakes the loop; one synchronous step.
    const add = (spec: WaitSpec, sink: Sink, retryPolicy: RetryPolicy.RetryPolicy, now: number) => {
      const wait: Wait = {
        spec,
        sink,
        retryPolicy,
        scheduleState: spec.schedule.initial,
        nextDue: now,
        final: false,
        failures: 0,
        polls: 0,
        failedPolls: {},
        last: Option.none()
      }
      const existing = entries.get(spec.id)
      const entry: Entry = existing ?? { id: spec.id, createdAt: undefined, fetching: false, waits: new Set() }
      if (existing === undefined) entries.set(spec.id, entry)
      entry.waits.add(wait)
      wake.unsafeOffer(undefined)
      return [entry, wait] as const
    }

    // A wait left before its end (scope closed, fiber interrupted).
    const leave = (entry: Entry, wait: Wait) =>
      Effect.suspend(() => {
        remove(entry, wait)
        // The last wait gone: stop the round and the GETs in flight, so no request goes out for nobody.
        if (entries.size > 0) return Effect.void
        const running = roundFiber === undefined ? [...fetches] : [roundFiber, ...fetches]
        for (const entry of resultQueue) entry.fetching = false
        resultQueue.length = 0
        resultWorkers = 0
        generation += 1
        return running.length === 0 ? Effect.void : Fiber.interruptAllAs(running, FiberId.none).pipe(Effect.forkDaemon)
      })

    const register = (spec: WaitSpec) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const retryPolicy = yield* RetryPolicy.CurrentRetryPolicy
        const mailbox = yield* Mailbox.make<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError>()
        const sink: Sink = { offer: (action) => mailbox.unsafeOffer(action), end: (exit) => mailbox.unsafeDone(exit) }
        const [entry, wait] = add(spec, sink, retryPolicy, now)
        yield* Effect.addFinalizer(() => leave(entry, wait))
        return { events: mailbox, stats: () => stats(wait) }
      })

    const ignore = () => {}
    const awaitEnd = (spec: WaitSpec) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(RetryPolicy.CurrentRetryPolicy, (retryPolicy) =>
          Effect.async<Option.Option<AsyncAction.AsyncAction>, VoucherifyError.VoucherifyError>((resume) => {
            const [entry, wait] = add(
              spec,
              // The snapshots are in `wait.last` already: only the end is sent.
              { offer: ignore, end: (exit) => resume(Exit.map(exit, () => wait.last)) },
              retryPolicy,
              now
            )
            return leave(entry, wait)
          })
        )
      )

    return { register, awaitEnd, rounds: Effect.sync(() => rounds) }
  })
