// The durable await on the in-memory engine against the in-memory emulator, under TestClock: what one
// execution sends, what it ends with, and what a second run of the same key does (nothing).
import { describe, expect, it } from "@effect/vitest"
import { AsyncActionId, VoucherifyError } from "@voucherify-effect/core"
import { AsyncActions, PollPolicy, VoucherifyClient } from "@voucherify-effect/http"
import { type Emulator, InMemory } from "@voucherify-effect/testing"
import { Effect, Exit, Fiber, Layer, Option, Schema, TestClock } from "effect"
import * as DurableAwait from "../src/DurableAwait.js"
import * as DurableEngine from "../src/DurableEngine.js"
import * as StartAction from "../src/StartAction.js"

const emulatorLayer = (options: InMemory.InMemoryOptions) => {
  const client = Layer.unwrapEffect(
    Effect.map(InMemory.InMemoryEmulator, (emulator) =>
      VoucherifyClient.layer({ apiUrl: "http://127.0.0.1", appId: emulator.appId, secretKey: emulator.secretKey })
    )
  )
  return AsyncActions.layer.pipe(Layer.provideMerge(client), Layer.provideMerge(InMemory.layer(options)))
}

const ImportInput = Schema.Struct({ items: Schema.Int })

const importVouchers = DurableAwait.make({
  name: "TestImport",
  input: ImportInput,
  start: ({ items }) =>
    StartAction.post({
      path: "/v1/vouchers/import",
      body: Array.from({ length: items }, (_, i) => ({ code: `CODE-${i}` }))
    }),
  schedule: PollPolicy.fixed("2 seconds")
})

const layer = (options: InMemory.InMemoryOptions = {}) =>
  importVouchers.layer.pipe(Layer.provideMerge(DurableEngine.layerMemory), Layer.provideMerge(emulatorLayer(options)))

/** Runs `effect` forked and moves the TestClock a second at a time until it ends (at most `seconds`). */
const drive = <A, E, R>(effect: Effect.Effect<A, E, R>, seconds = 120) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < seconds && fiber.unsafePoll() === null; i++) {
      yield* TestClock.adjust("1 second")
      yield* Effect.yieldNow()
    }
    return yield* Fiber.await(fiber)
  })

const starts = (requests: ReadonlyArray<Emulator.RequestLogEntry>) => requests.filter((r) => r.method === "POST")
const polls = (requests: ReadonlyArray<Emulator.RequestLogEntry>) => requests.filter((r) => r.method === "GET")

describe("DurableAwait on the in-memory engine", () => {
  it.effect("starts once, polls to DONE and returns the action a plain GET returns", () =>
    Effect.gen(function* () {
      const emulator = yield* InMemory.InMemoryEmulator
      const exit = yield* drive(importVouchers.run({ key: "k1", input: { items: 5 } }))
      expect(Exit.isSuccess(exit)).toBe(true)
      const action = Exit.isSuccess(exit) ? exit.value : undefined
      expect(action?.status).toBe("DONE")
      expect(action?.type).toBe("VOUCHERS.IMPORT")
      expect(action?.result?._tag).toBe("Import")
      const requests = yield* emulator.requests
      expect(starts(requests)).toHaveLength(1)
      // 10 s of work polled every 2 s: about 6 polls, never one per clock tick.
      expect(polls(requests).length).toBeGreaterThanOrEqual(5)
      expect(polls(requests).length).toBeLessThanOrEqual(8)
      const plain = yield* AsyncActions.get(action?.id ?? "")
      expect(plain).toEqual(action)
    }).pipe(Effect.provide(layer({ defaultDurationMillis: 10_000 })))
  )

  it.effect("the same key again returns the first outcome without starting or polling", () =>
    Effect.gen(function* () {
      const emulator = yield* InMemory.InMemoryEmulator
      const first = yield* drive(importVouchers.run({ key: "same", input: { items: 3 } }))
      const before = (yield* emulator.requests).length
      const second = yield* drive(importVouchers.run({ key: "same", input: { items: 99 } }))
      expect(second).toEqual(first)
      expect((yield* emulator.requests).length).toBe(before)
      expect(starts(yield* emulator.requests)).toHaveLength(1)
      expect(Option.map(yield* importVouchers.outcome("same"), Exit.isSuccess)).toEqual(Option.some(true))
      expect(yield* importVouchers.outcome("never-run")).toEqual(Option.none())
    }).pipe(Effect.provide(layer({ defaultDurationMillis: 3000 })))
  )

  it.effect("the execution id is the workflow's own", () =>
    Effect.gen(function* () {
      const ours = yield* importVouchers.executionId("some key")
      const theirs = yield* importVouchers.workflow.executionId({ key: "some key", input: { items: 1 } })
      expect(ours).toBe(theirs)
    })
  )

  it.effect("an action that ends FAILED is the typed AsyncActionFailed, with the final action", () => {
    const failing = DurableAwait.make({
      name: "TestFailing",
      input: Schema.Void,
      start: () =>
        Effect.map(
          Effect.flatMap(InMemory.InMemoryEmulator, (emulator) =>
            emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 4000, outcome: "FAILED" })
          ),
          (action) => action.id
        ),
      schedule: PollPolicy.fixed("1 second")
    })
    return Effect.gen(function* () {
      const exit = yield* drive(failing.run({ key: "f", input: undefined }))
      const failure = yield* Effect.flip(exit)
      expect(failure._tag).toBe("AsyncActionFailed")
      expect(failure._tag === "AsyncActionFailed" ? failure.action.status : undefined).toBe("FAILED")
    }).pipe(
      Effect.provide(
        failing.layer.pipe(Layer.provideMerge(DurableEngine.layerMemory), Layer.provideMerge(emulatorLayer({})))
      )
    )
  })

  it.effect("a start step that returns something else than an action id fails with InvalidInput, once", () => {
    let calls = 0
    const bad = DurableAwait.make({
      name: "TestBadStart",
      input: Schema.Void,
      start: () =>
        Effect.sync(() => {
          calls++
          return "job-42"
        })
    })
    return Effect.gen(function* () {
      const first = yield* Effect.flip(bad.run({ key: "b", input: undefined }))
      expect(first).toBeInstanceOf(VoucherifyError.InvalidInput)
      expect(first._tag === "InvalidInput" ? first.field : undefined).toBe("start")
      expect(first.message).toContain('"job-42"')
      const second = yield* Effect.flip(bad.run({ key: "b", input: undefined }))
      expect(second).toEqual(first)
      expect(calls).toBe(1)
      const emptyKey = yield* Effect.flip(bad.run({ key: " ", input: undefined }))
      expect(emptyKey._tag === "InvalidInput" ? emptyKey.field : undefined).toBe("key")
      expect(calls).toBe(1)
    }).pipe(
      Effect.provide(
        bad.layer.pipe(Layer.provideMerge(DurableEngine.layerMemory), Layer.provideMerge(emulatorLayer({})))
      )
    )
  })

  it.effect("past its deadline the await ends with WaitTimeout carrying the last state", () => {
    const slow = DurableAwait.make({
      name: "TestSlow",
      input: Schema.Void,
      start: () =>
        Effect.map(
          Effect.flatMap(InMemory.InMemoryEmulator, (emulator) =>
            emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 600_000 })
          ),
          (action) => AsyncActionId.make(action.id)
        ),
      schedule: PollPolicy.fixed("5 seconds"),
      timeout: "30 seconds"
    })
    return Effect.gen(function* () {
      const exit = yield* drive(slow.run({ key: "s", input: undefined }))
      const failure = yield* Effect.flip(exit)
      expect(failure._tag).toBe("WaitTimeout")
      if (failure._tag !== "WaitTimeout") return
      expect(failure.lastAction?.status).toBe("IN_PROGRESS")
      expect(failure.polls).toBeGreaterThanOrEqual(5)
      expect(failure.polls).toBeLessThanOrEqual(8)
    }).pipe(
      Effect.provide(
        slow.layer.pipe(Layer.provideMerge(DurableEngine.layerMemory), Layer.provideMerge(emulatorLayer({})))
      )
    )
  })
})
