import { describe, expect, it } from "@effect/vitest"
import { AsyncActions, PollPolicy, RetryPolicy } from "@voucherify-effect/http"
import { Chunk, Effect, Fiber, Stream, TestClock } from "effect"
import * as AsyncActionsTest from "../src/AsyncActionsTest.js"
import { InMemoryEmulator } from "../src/InMemory.js"

describe("AsyncActionsTest (real client, in-memory emulator, virtual time)", () => {
  it.effect("awaits a 30-minute import in virtual time", () =>
    Effect.gen(function* () {
      const emulator = yield* InMemoryEmulator
      const created = yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 30 * 60_000 })
      const fiber = yield* AsyncActions.awaitCompletion(created.id, { timeout: "1 hour" }).pipe(Effect.fork)
      yield* TestClock.adjust("40 minutes")
      const done = yield* Fiber.join(fiber)
      expect(done.status).toBe("DONE")
      expect(done.result?._tag).toBe("Import")
      // The default schedule backs off to 15 s: about 2 000 s / 15 s polls, not one a second.
      const polls = (yield* emulator.requests).length
      expect(polls).toBeGreaterThan(100)
      expect(polls).toBeLessThan(160)
    }).pipe(Effect.provide(AsyncActionsTest.layer()))
  )

  it.effect("a failing job surfaces as AsyncActionFailed; watch shows its progress", () =>
    Effect.gen(function* () {
      const emulator = yield* InMemoryEmulator
      const created = yield* emulator.createAction({
        type: "CUSTOMERS.IMPORT_CSV",
        durationMillis: 10_000,
        outcome: "FAILED"
      })
      const fiber = yield* AsyncActions.watch(created.id, { schedule: PollPolicy.fixed("2 seconds") }).pipe(
        Stream.runCollect,
        Effect.fork
      )
      yield* TestClock.adjust("1 minute")
      const snapshots = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
      expect(snapshots.map((a) => a.progress)).toEqual([0, 20, 40, 60, 80, 100])
      const error = yield* AsyncActions.awaitCompletion(created.id).pipe(Effect.flip)
      expect(error._tag).toBe("AsyncActionFailed")
    }).pipe(Effect.provide(AsyncActionsTest.layer()))
  )

  it.effect("a request the emulator never answers ends at the per-request timeout, in virtual time", () =>
    Effect.gen(function* () {
      const emulator = yield* InMemoryEmulator
      const created = yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 0 })
      yield* emulator.setFaults({ script: ["hang"] })
      const fiber = yield* AsyncActions.get(created.id).pipe(
        RetryPolicy.withPolicy(RetryPolicy.none),
        Effect.flip,
        Effect.fork
      )
      yield* TestClock.adjust("29 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("RequestTimeout")
    }).pipe(Effect.provide(AsyncActionsTest.layer()))
  )
})
