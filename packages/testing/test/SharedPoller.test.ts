// The shared poller of `AsyncActions` (one list request answers many waits) on the in-memory emulator,
// in virtual time: the real client, the emulator's real router and request log.
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import type { AsyncAction } from "@voucherify-effect/core"
import { AsyncActions, PollPolicy, RateLimit, VoucherifyClient } from "@voucherify-effect/http"
import {
  Cause,
  Chunk,
  Clock,
  type Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Redacted,
  Stream,
  Supervisor,
  TestClock,
  Tracer
} from "effect"
import * as AsyncActionsTest from "../src/AsyncActionsTest.js"
import type * as InMemory from "../src/InMemory.js"
import { InMemoryEmulator } from "../src/InMemory.js"
import * as Seed from "../src/Seed.js"

const MINUTE = 60_000
// Virtual time starts after the seeded history, so new actions are the newest ones, as on a real account.
const now0 = Seed.defaultEndAt + MINUTE

const isList = (entry: { readonly path: string }) => entry.path === "/v1/async-actions"
const isGet = (entry: { readonly path: string }) => entry.path.startsWith("/v1/async-actions/")

// Advances virtual time in steps until the fiber is done (polls and retries sleep on the clock).
const runUntilDone = <A, E>(
  fiber: Fiber.RuntimeFiber<A, E>,
  step: Duration.DurationInput = "5 seconds",
  maxSteps = 5_000
) =>
  Effect.gen(function* () {
    for (let i = 0; i < maxSteps && fiber.unsafePoll() === null; i++) yield* TestClock.adjust(step)
    return yield* Fiber.join(fiber)
  })

interface Ended {
  readonly id: string
  readonly exit: Exit.Exit<AsyncAction.AsyncAction, { readonly _tag: string }>
  readonly at: number
}

const awaitAll = (ids: ReadonlyArray<string>, options: AsyncActions.WaitOptions = {}) =>
  Effect.forEach(
    ids,
    (id) =>
      AsyncActions.awaitCompletion(id, options).pipe(
        Effect.exit,
        Effect.flatMap((exit) => Effect.map(Clock.currentTimeMillis, (at): Ended => ({ id, exit, at })))
      ),
    { concurrency: "unbounded" }
  )

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

const expectEndedAsTheServerSays = (state: InMemory.InMemoryHandle["state"], ended: ReadonlyArray<Ended>) => {
  let done = 0
  let failed = 0
  for (const { at, exit, id } of ended) {
    const final = state.get(id, Number.MAX_SAFE_INTEGER)
    const atReturn = state.get(id, at)
    if (final === undefined || atReturn === undefined) return expect.fail(`unknown action ${id}`)
    if (final.status === "DONE" && final.operation_status !== "FAILED") {
      expect(Exit.isSuccess(exit) && exit.value.id === id && exit.value.status).toBe("DONE")
      // Never a DONE the server had not reported yet.
      expect(atReturn.status).toBe("DONE")
      done++
    } else {
      const error = failureOf(exit)
      expect(error?._tag).toBe("AsyncActionFailed")
      if (error?._tag === "AsyncActionFailed") {
        const action = (error as unknown as { readonly action: AsyncAction.AsyncAction }).action
        expect(action.id).toBe(id)
        expect(action.status).toBe(final.status)
        expect(atReturn.status).toBe(final.status)
      }
      failed++
    }
  }
  return { done, failed }
}

// Timeouts: these virtual-time runs are CPU-bound (thousands of client calls); the 20-wait comparison took
// 113 s at load average 15 on 2 cores and over 120 s with two more CPU-bound processes alongside (the
// 1 000-wait runs: 164-194 s there).
describe("shared poller (in-memory emulator, virtual time)", () => {
  for (const endDateInclusive of [false, true]) {
    it.effect(
      `1 000 concurrent waits on actions with created_at ties end exactly as their actions did (end_date ${endDateInclusive ? "inclusive" : "exclusive"})`,
      () =>
        Effect.gen(function* () {
          yield* TestClock.setTime(now0)
          const emulator = yield* InMemoryEmulator
          const ids: Array<string> = []
          for (let i = 0; i < 950; i++) {
            const created = yield* emulator.createAction({
              type: i % 3 === 0 ? "VOUCHERS.BULK_UPDATE" : "VOUCHERS.IMPORT",
              // Groups of five actions share one millisecond.
              createdAt: now0 - 1_000 + Math.floor(i / 5),
              durationMillis: ((i * 7919) % 40) * 30_000,
              outcome: i % 11 === 0 ? "FAILED" : i % 13 === 0 ? "PARTIAL" : "SUCCESS"
            })
            ids.push(created.id)
          }
          // Waits on finished history, at several depths, and several waits on one id sharing an entry.
          const history = emulator.state.all().filter((action) => action.historical)
          for (const depth of [0, 1, 99, 100, 101, 250, 777, 1_499]) ids.push((history[depth] ?? history[0])!.id)
          for (let i = 0; i < 42; i++) ids.push(ids[i * 7] as string)
          expect(ids).toHaveLength(1_000)
          yield* emulator.clearRequests

          const fiber = yield* Effect.fork(awaitAll(ids, { timeout: "2 hours" }))
          const ended = yield* runUntilDone(fiber, "15 seconds")
          const { done, failed } = expectEndedAsTheServerSays(emulator.state, ended)
          const log = yield* emulator.requests
          const lists = log.filter(isList).length
          const gets = log.filter(isGet).length
          console.log(
            `1 000 shared waits (end_date ${endDateInclusive ? "inclusive" : "exclusive"}): ${done} DONE, ${failed} failed; ` +
              `${log.length} requests (${lists} list pages, ${gets} by id) over ${Math.round(((yield* Clock.currentTimeMillis) - now0) / MINUTE)} virtual minutes`
          )
          expect(failed).toBeGreaterThan(50)
          // One GET by id per action for its result, plus what rounds needed: far below a GET per wait and poll.
          expect(gets).toBeLessThan(1_100)
        }).pipe(Effect.provide(AsyncActionsTest.layer({ seed: 1_500, endDateInclusive }))),
      600_000
    )
  }

  it.effect(
    "20 waits on 30-minute actions use at most a fifth of the requests per-id polling uses",
    () =>
      Effect.gen(function* () {
        const count = (polling: AsyncActions.Polling) =>
          Effect.gen(function* () {
            yield* TestClock.setTime(now0)
            const emulator = yield* InMemoryEmulator
            const ids: Array<string> = []
            for (let i = 0; i < 20; i++) {
              ids.push((yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 30 * MINUTE })).id)
            }
            yield* emulator.clearRequests
            const fiber = yield* Effect.fork(awaitAll(ids, { polling }))
            const ended = yield* runUntilDone(fiber, "5 seconds")
            expect(ended.every((e) => Exit.isSuccess(e.exit))).toBe(true)
            return (yield* emulator.requests).length
          }).pipe(Effect.provide(AsyncActionsTest.layer({ seed: 300 })))
        const perId = yield* count("per-id")
        const shared = yield* count("shared")
        console.log(`20 waits on 30-minute actions, default poll policy: per-id ${perId} requests, shared ${shared}`)
        expect(shared * 5).toBeLessThanOrEqual(perId)
      }),
    600_000
  )

  it.effect(
    "a wait on an action deep in history completes by id, without listing the whole history",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(now0)
        const emulator = yield* InMemoryEmulator
        // Created 120 days ago, still running for 5 more minutes: thousands of actions are newer.
        const deepCreatedAt = now0 - 120 * 24 * 60 * MINUTE
        const deep = yield* emulator.createAction({
          type: "VOUCHERS.IMPORT",
          createdAt: deepCreatedAt,
          durationMillis: 120 * 24 * 60 * MINUTE + 5 * MINUTE
        })
        const newer = emulator.state.all().filter((action) => action.createdAt > deepCreatedAt).length
        const fresh: Array<string> = []
        for (let i = 0; i < 10; i++) {
          fresh.push((yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: (i + 1) * MINUTE })).id)
        }
        yield* emulator.clearRequests
        const fiber = yield* Effect.fork(awaitAll([deep.id, ...fresh]))
        const ended = yield* runUntilDone(fiber, "5 seconds")
        expect(ended.every((e) => Exit.isSuccess(e.exit))).toBe(true)
        const log = yield* emulator.requests
        const pastDeep = log.filter(
          (entry) =>
            isList(entry) && entry.query.end_date !== undefined && Date.parse(entry.query.end_date) <= deepCreatedAt
        )
        const deepGets = log.filter((entry) => entry.path === `/v1/async-actions/${deep.id}`).length
        console.log(
          `deep wait (${newer} newer actions): ${log.length} requests, ${deepGets} by id for it, ${log.filter(isList).length} list pages`
        )
        expect(newer).toBeGreaterThan(1_000)
        expect(pastDeep).toHaveLength(0)
        expect(deepGets).toBeGreaterThan(1)
      }).pipe(Effect.provide(AsyncActionsTest.layer({ seed: 3_000 }))),
    600_000
  )

  it.effect("interrupting one wait leaves the others; interrupting all stops the poller", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now0)
      const emulator = yield* InMemoryEmulator
      const make = (minutes: number) =>
        Effect.map(emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: minutes * MINUTE }), (a) => a.id)
      const [a, b, c] = [yield* make(5), yield* make(5), yield* make(60)]
      const fa = yield* Effect.fork(AsyncActions.awaitCompletion(a))
      const fb = yield* Effect.fork(AsyncActions.awaitCompletion(b))
      const fc = yield* Effect.fork(AsyncActions.awaitCompletion(c))
      yield* TestClock.adjust("1 minute")
      yield* Fiber.interrupt(fa)
      yield* TestClock.adjust("10 minutes")
      expect((yield* Fiber.join(fb)).status).toBe("DONE")
      expect(fc.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(fc)
      const before = (yield* emulator.requests).length
      yield* TestClock.adjust("2 hours")
      expect((yield* emulator.requests).length).toBe(before)
      // A new wait wakes the poller again.
      expect((yield* AsyncActions.awaitCompletion(b)).status).toBe("DONE")
      expect((yield* emulator.requests).length).toBeGreaterThan(before)
    }).pipe(Effect.provide(AsyncActionsTest.layer()))
  )

  it.effect("interrupting a round in flight sends nothing after", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now0)
      const emulator = yield* InMemoryEmulator
      const id = (yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 10 * MINUTE })).id
      // Every request fails for a while: the round is retrying when the waits go.
      yield* emulator.setFaults({ serverError: 1 })
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(AsyncActions.awaitCompletion(id)))
      yield* TestClock.adjust("1 second")
      const during = (yield* emulator.requests).length
      expect(during).toBeGreaterThan(0)
      yield* Effect.forEach(fibers, Fiber.interrupt)
      const before = (yield* emulator.requests).length
      yield* TestClock.adjust("1 hour")
      expect((yield* emulator.requests).length).toBe(before)
    }).pipe(Effect.provide(AsyncActionsTest.layer()))
  )

  // Hundreds of waits on actions that are already over: the first round finds them all terminal and owes a
  // GET each for its result. Those ran as a fiber per action on a semaphore of 32, and Effect's semaphore wakes
  // every waiter while a permit is free: each release woke them all (quadratic: in a real 1 000-wait run,
  // seconds of CPU and +570 MB RSS). Counting fiber resumptions tells linear from quadratic whatever the clock.
  it.effect("waits on 400 actions already finished take work linear in the waits (no wake-up storm)", () => {
    let resumes = 0
    class CountResumes extends Supervisor.AbstractSupervisor<void> {
      value = Effect.void
      override onResume() {
        resumes++
      }
    }
    return Effect.gen(function* () {
      yield* TestClock.setTime(now0)
      const emulator = yield* InMemoryEmulator
      const ids: Array<string> = []
      for (let i = 0; i < 400; i++) {
        const created = yield* emulator.createAction({
          type: "VOUCHERS.IMPORT",
          createdAt: now0 - MINUTE + i,
          durationMillis: 1_000
        })
        ids.push(created.id)
      }
      yield* emulator.clearRequests
      // Each answer takes 100 ms (of virtual time), so GETs in flight hold their permits across a wait.
      const slow = HttpClient.transformResponse(emulator.client, (response) => Effect.delay(response, "100 millis"))
      const layer = AsyncActions.layer.pipe(
        Layer.provide(
          VoucherifyClient.layer({ apiUrl: "http://127.0.0.1", appId: emulator.appId, secretKey: emulator.secretKey })
        ),
        Layer.provide(Layer.succeed(HttpClient.HttpClient, slow))
      )
      resumes = 0
      const fiber = yield* Effect.fork(Effect.provide(awaitAll(ids), layer))
      const ended = yield* runUntilDone(fiber, "100 millis")
      expectEndedAsTheServerSays(emulator.state, ended)
      const log = yield* emulator.requests
      console.log(`400 waits on finished actions: ${log.length} requests, ${resumes} fiber resumptions`)
      expect(log.filter(isGet)).toHaveLength(400)
      expect(resumes).toBeLessThan(400 * 20)
    }).pipe(Effect.supervised(new CountResumes()), Effect.provide(AsyncActionsTest.layer()))
  })

  // A shared wait suspends in the poller without its span in context (its requests run on the poller's
  // fiber, and a thousand waits then hold a few frames each): its span must still tell the action and outcome.
  it.effect("a shared wait's span names its action, and its status once DONE", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now0)
      const emulator = yield* InMemoryEmulator
      const done = (yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: MINUTE })).id
      const failed = (yield* emulator.createAction({
        type: "VOUCHERS.IMPORT",
        durationMillis: MINUTE,
        outcome: "FAILED"
      })).id
      const spans: Array<Tracer.Span> = []
      const base = yield* Effect.tracer
      const tracer = Tracer.make({
        span: (...args) => {
          const span = base.span(...args)
          spans.push(span)
          return span
        },
        context: base.context
      })
      const fiber = yield* Effect.fork(Effect.withTracer(awaitAll([done, failed]), tracer))
      yield* runUntilDone(fiber, "5 seconds")
      const waits = spans.filter((span) => span.name === "AsyncActions.awaitCompletion")
      const byId = (id: string) => waits.find((span) => span.attributes.get("voucherify.async_action.id") === id)
      expect(waits).toHaveLength(2)
      expect(byId(done)?.attributes.get("voucherify.async_action.status")).toBe("DONE")
      const failedSpan = byId(failed)
      expect(failedSpan?.status._tag === "Ended" && Exit.isFailure(failedSpan.status.exit)).toBe(true)
    }).pipe(Effect.provide(AsyncActionsTest.layer()))
  )

  it.effect(
    "under the fault profile (20% 5xx, 10% 429, 5% resets, 2% truncated) every wait ends correctly",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(now0)
        const emulator = yield* InMemoryEmulator
        const ids: Array<string> = []
        for (let i = 0; i < 200; i++) {
          const created = yield* emulator.createAction({
            type: "VOUCHERS.IMPORT",
            createdAt: now0 - 500 + Math.floor(i / 3),
            durationMillis: (i % 20) * MINUTE,
            outcome: i % 9 === 0 ? "FAILED" : "SUCCESS"
          })
          ids.push(created.id)
        }
        yield* emulator.setFaults({ seed: 7, serverError: 0.2, rateLimited: 0.1, reset: 0.05, truncated: 0.02 })
        const fiber = yield* Effect.fork(awaitAll(ids, { maxConsecutiveFailures: 5 }))
        const ended = yield* runUntilDone(fiber, "10 seconds")
        const { done, failed } = expectEndedAsTheServerSays(emulator.state, ended)
        const injected = yield* emulator.faultsInjected
        const log = yield* emulator.requests
        console.log(
          `fault profile: ${done} DONE + ${failed} failed as the server says; ${log.length} requests, faults ${JSON.stringify(injected)}`
        )
        expect(injected.server_error + injected.rate_limited + injected.reset + injected.truncated).toBeGreaterThan(10)
      }).pipe(Effect.provide(AsyncActionsTest.layer({ seed: 500 }))),
    600_000
  )

  it.effect("a 401 on the list fails every pending wait at once", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now0)
      const emulator = yield* InMemoryEmulator
      const ids: Array<string> = []
      for (let i = 0; i < 5; i++) ids.push((yield* emulator.createAction({ type: "VOUCHERS.IMPORT" })).id)
      const layer = AsyncActions.layer.pipe(
        Layer.provide(
          VoucherifyClient.layer({
            apiUrl: "http://127.0.0.1",
            appId: emulator.appId,
            secretKey: Redacted.make("sk_wrong")
          })
        ),
        Layer.provide(Layer.succeed(HttpClient.HttpClient, emulator.client))
      )
      const ended = yield* Effect.provide(awaitAll(ids), layer)
      for (const { exit } of ended) expect(failureOf(exit)?._tag).toBe("Unauthorized")
      const log = yield* emulator.requests
      expect(log.filter(isList)).toHaveLength(1)
      expect(log.filter(isGet)).toHaveLength(0)
    }).pipe(Effect.provide(AsyncActionsTest.layer()))
  )

  it.effect("watch shows progress from list pages and fetches by id only once, for the result", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now0)
      const emulator = yield* InMemoryEmulator
      const a = yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 10_000 })
      const b = yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 60_000 })
      yield* emulator.clearRequests
      const other = yield* Effect.fork(AsyncActions.awaitCompletion(b.id))
      const watched = yield* AsyncActions.watch(a.id, { schedule: PollPolicy.fixed("2 seconds") }).pipe(
        Stream.runCollect,
        Effect.fork
      )
      yield* TestClock.adjust("2 minutes")
      const snapshots = Chunk.toReadonlyArray(yield* Fiber.join(watched))
      // The other wait's rounds bring news too: more often than this watch's own 2 s, never out of order.
      const progress = snapshots.map((s) => s.progress ?? 0)
      expect(progress[0]).toBe(0)
      expect(progress.at(-1)).toBe(100)
      expect(progress.length).toBeGreaterThanOrEqual(6)
      expect([...progress].sort((x, y) => x - y)).toEqual(progress)
      expect(snapshots.at(-1)?.result?._tag).toBe("Import")
      yield* Fiber.join(other)
      const log = yield* emulator.requests
      expect(log.filter((e) => e.path === `/v1/async-actions/${a.id}`)).toHaveLength(1)
      expect(log.filter((e) => e.path === `/v1/async-actions/${b.id}`)).toHaveLength(1)
    }).pipe(Effect.provide(AsyncActionsTest.layer()))
  )

  it.effect(
    "watching 50 actions at once (as the CLI's multi-id watch does) costs about one request per round",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(now0)
        const emulator = yield* InMemoryEmulator
        const ids: Array<string> = []
        for (let i = 0; i < 50; i++) {
          ids.push((yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: (5 + i) * MINUTE })).id)
        }
        yield* emulator.clearRequests
        const service = yield* AsyncActions.AsyncActions
        const fiber = yield* Stream.mergeAll(
          ids.map((id) => service.watch(id)),
          { concurrency: "unbounded" }
        ).pipe(Stream.runCount, Effect.fork)
        const snapshots = yield* runUntilDone(fiber, "5 seconds")
        const log = yield* emulator.requests
        const lists = log.filter(isList).length
        const gets = log.filter(isGet).length
        console.log(
          `50 watches over ${Math.round(((yield* Clock.currentTimeMillis) - now0) / MINUTE)} minutes: ${lists} list pages, ${gets} by id, ${snapshots} snapshots`
        )
        // One GET per action for its result; every other request is a list page answering all 50.
        expect(gets).toBe(50)
        expect(snapshots).toBeGreaterThan(50 * 5)
      }).pipe(Effect.provide(AsyncActionsTest.layer())),
    600_000
  )

  it.effect(
    "with a RateLimit in context, rounds spend at most a quarter of the limit on spare budget",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(now0)
        const emulator = yield* InMemoryEmulator
        const actions = yield* Effect.forEach([3, 4, 5, 6, 7], (minutes) =>
          emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: minutes * MINUTE })
        )
        yield* emulator.clearRequests
        const fiber = yield* Effect.fork(awaitAll(actions.map((a) => a.id)))
        const ended = yield* runUntilDone(fiber, "1 second")
        const lists = (yield* emulator.requests).filter(isList).map((entry) => entry.at)
        let busiest = 0
        for (let lo = 0, hi = 0; hi < lists.length; hi++) {
          while ((lists[hi] as number) - (lists[lo] as number) >= MINUTE) lo++
          busiest = Math.max(busiest, hi - lo + 1)
        }
        const lateness = ended.map((e, i) => e.at - (now0 + (3 + i) * MINUTE))
        console.log(
          `100/min: ${lists.length} list pages, at most ${busiest} in a minute; DONE → return ${lateness.join(", ")} ms`
        )
        // A quarter of 100/min is a round every 2.4 s (25 a minute), plus the few the waits' own schedules ask for.
        expect(busiest).toBeLessThanOrEqual(28)
        // The default schedule alone would leave up to 15 s between polls.
        expect(Math.max(...lateness)).toBeLessThanOrEqual(3_000)
      }).pipe(
        Effect.provide(AsyncActionsTest.layer().pipe(Layer.provideMerge(RateLimit.layer({ requestsPerMinute: 100 }))))
      ),
    600_000
  )

  it.effect("a timeout still polls once more just before the deadline and reports the polls", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now0)
      const emulator = yield* InMemoryEmulator
      const a = yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 60 * MINUTE })
      yield* emulator.clearRequests
      const fiber = yield* AsyncActions.awaitCompletion(a.id, {
        schedule: PollPolicy.fixed("4 seconds"),
        timeout: "10 seconds"
      }).pipe(Effect.flip, Effect.fork)
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("WaitTimeout")
      const times = (yield* emulator.requests).map((entry) => entry.at - now0)
      // 0, 4 s, 8 s, then a last poll at 9 s (1 s before the deadline).
      expect(times).toEqual([0, 4_000, 8_000, 9_000])
      expect(error._tag === "WaitTimeout" && error.polls).toBe(4)
    }).pipe(Effect.provide(AsyncActionsTest.layer()))
  )
})
