import { describe, expect, it } from "@effect/vitest"
import { AsyncActionType } from "@voucherify-effect/core"
import { Effect, TestClock } from "effect"
import * as EmulatorState from "../src/EmulatorState.js"
import * as Seed from "../src/Seed.js"
import { contract, type Json } from "./helpers.js"

describe("EmulatorState lifecycle (TestClock)", () => {
  it.effect("ENQUEUED → IN_PROGRESS with rising progress → DONE with result", () =>
    Effect.gen(function* () {
      const state = EmulatorState.make({ seedValue: 7 })
      yield* TestClock.setTime(Date.UTC(2026, 0, 1))
      const action = yield* state.create({
        type: "VOUCHERS.BULK_UPDATE",
        startAfterMillis: 1000,
        durationMillis: 4000,
        size: 5
      })
      expect(action.id).toMatch(/^aa_[0-9a-f]{18}$/)
      expect(action.requestId).toMatch(/^v-[0-9a-f]{18}$/)

      const enqueued = (yield* EmulatorState.current(state, action.id))!
      expect(enqueued).toMatchObject({ status: "ENQUEUED", progress: 0, operation_status: "UNKNOWN" })
      expect(enqueued.result).toBeUndefined()
      expect(enqueued.created_at).toBe("2026-01-01T00:00:00.000Z")
      contract.get(enqueued)

      const progress: Array<number> = []
      for (let i = 0; i < 4; i++) {
        yield* TestClock.adjust(i === 0 ? "1001 millis" : "1000 millis")
        const running = (yield* EmulatorState.current(state, action.id))!
        expect(running.status).toBe("IN_PROGRESS")
        expect(running.result).toBeUndefined()
        contract.get(running)
        progress.push(running.progress)
      }
      expect(progress).toEqual([0, 25, 50, 75])

      yield* TestClock.adjust("1 second")
      const done = (yield* EmulatorState.current(state, action.id))!
      contract.get(done)
      expect(done).toMatchObject({
        status: "DONE",
        operation_status: "SUCCESS",
        progress: 100,
        processing_time: 5000,
        updated_at: "2026-01-01T00:00:05.000Z"
      })
      expect(done.result).toMatchObject({ done_count: 5, failed_count: 0, errors: [] })
    })
  )

  it.effect("FAILED outcome ends FAILED with a failure result; PARTIAL ends DONE with failed rows", () =>
    Effect.gen(function* () {
      const state = EmulatorState.make()
      const failed = yield* state.create({ type: "VOUCHERS.IMPORT", durationMillis: 100, outcome: "FAILED", size: 4 })
      const partial = yield* state.create({
        type: "CUSTOMERS.BULK_UPDATE",
        durationMillis: 100,
        outcome: "PARTIAL",
        size: 10
      })
      const summary = yield* state.create({
        type: "CAMPAIGN.VOUCHERS_DELETE",
        durationMillis: 100,
        outcome: "PARTIAL",
        size: 10
      })
      yield* TestClock.adjust("200 millis")
      const f = (yield* EmulatorState.current(state, failed.id))!
      contract.get(f)
      expect(f).toMatchObject({ status: "FAILED", operation_status: "FAILED", progress: 100 })
      expect(f.result).toMatchObject({
        done_count: 0,
        failed_count: 4,
        message: "0 voucher(s) imported successfully, 4 failed."
      })
      expect((f.result as Json).failed).toHaveLength(4)

      const p = (yield* EmulatorState.current(state, partial.id))!
      contract.get(p)
      expect(p).toMatchObject({ status: "DONE", operation_status: "FAILED" })
      const r = p.result as Json
      expect(r.failed_count).toBeGreaterThan(0)
      expect(r.done_count + r.failed_count).toBe(10)
      expect(r.errors).toHaveLength(r.failed_count)
      expect(r.errors[0]).toHaveProperty("source_id")

      const s = (yield* EmulatorState.current(state, summary.id))!
      contract.get(s)
      expect(s.status).toBe("DONE")
      expect((s.result as Json).done_count).toBeLessThan(10)
    })
  )

  it.effect("every type, in every state, matches the contract", () =>
    Effect.gen(function* () {
      const state = EmulatorState.make()
      const ids: Array<string> = []
      for (const type of AsyncActionType.knownTypes) {
        for (const outcome of ["SUCCESS", "FAILED", "PARTIAL"] as const) {
          ids.push((yield* state.create({ type, outcome, startAfterMillis: 100, durationMillis: 1000, size: 6 })).id)
        }
      }
      for (const step of [0, 500, 1000]) {
        yield* TestClock.adjust(`${step} millis`)
        for (const id of ids) contract.get((yield* EmulatorState.current(state, id))!)
      }
      const statuses = new Set<string>()
      for (const id of ids) statuses.add((yield* EmulatorState.current(state, id))!.status)
      expect([...statuses].sort()).toEqual(["DONE", "FAILED"])
      contract.list(yield* EmulatorState.listCurrent(state, { limit: 100 }))
    })
  )

  it.effect("operation_status: always on bulk/metadata updates, only once finished on others", () =>
    Effect.gen(function* () {
      const state = EmulatorState.make()
      const importing = yield* state.create({ type: "SKUS.IMPORT_CSV", durationMillis: 1000 })
      expect((yield* EmulatorState.current(state, importing.id))!.operation_status).toBeUndefined()
      yield* TestClock.adjust("2 seconds")
      expect((yield* EmulatorState.current(state, importing.id))!.operation_status).toBe("SUCCESS")
    })
  )

  it.effect("list: newest first, ties by id descending, end_date exclusive by default, inclusive when configured", () =>
    Effect.gen(function* () {
      for (const inclusive of [false, true]) {
        const state = EmulatorState.make({ endDateInclusive: inclusive })
        const at = Date.UTC(2026, 1, 1)
        for (let i = 0; i < 5; i++) yield* state.create({ type: "ORDERS.IMPORT", createdAt: at })
        yield* state.create({ type: "ORDERS.IMPORT", createdAt: at + 1 })
        yield* state.create({ type: "ORDERS.IMPORT", createdAt: at - 1 })
        const page = state.list({ limit: 100 }, at + 10)
        const tied = page.async_actions.slice(1, 6).map((a) => a.id)
        expect(tied).toEqual([...tied].sort().reverse())
        expect(page.async_actions[0]!.created_at).toBe(new Date(at + 1).toISOString())
        const filtered = state.list({ limit: 100, endDate: at }, at + 10)
        expect(filtered.async_actions.length).toBe(inclusive ? 6 : 1)
        expect(filtered.has_more).toBe(false)
        const small = state.list({ limit: 2, endDate: at }, at + 10)
        expect(small.has_more).toBe(inclusive)
      }
    })
  )

  it("list: has_more and default limit", () => {
    const state = EmulatorState.make({ defaultLimit: 4 })
    state.insert(Seed.seed({ count: 9, seed: 3 }))
    const first = state.list({}, 0)
    expect(first.async_actions).toHaveLength(4)
    expect(first.has_more).toBe(true)
    expect(state.list({ limit: 9 }, 0).has_more).toBe(false)
    expect(state.list({ limit: 8 }, 0).has_more).toBe(true)
    // Seeded history is finished whatever the clock says.
    expect(first.async_actions.every((a) => a.status === "DONE" || a.status === "FAILED")).toBe(true)
  })
})

describe("Seed", () => {
  it("is deterministic, covers all 22 types, has tie groups of 2..6, spans months", () => {
    const a = Seed.seed({ count: 1000, seed: 42 })
    const b = Seed.seed({ count: 1000, seed: 42 })
    const c = Seed.seed({ count: 1000, seed: 43 })
    expect(a).toEqual(b)
    expect(a.map((x) => x.id)).not.toEqual(c.map((x) => x.id))
    expect(new Set(a.map((x) => x.id)).size).toBe(1000)
    expect(new Set(a.map((x) => x.type))).toEqual(new Set(AsyncActionType.knownTypes))
    const groups = new Map<number, number>()
    for (const x of a) groups.set(x.createdAt, (groups.get(x.createdAt) ?? 0) + 1)
    const sizes = [...groups.values()].filter((n) => n > 1)
    expect(sizes.length).toBeGreaterThan(5)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(6)
    const span = a[0]!.createdAt - a[a.length - 1]!.createdAt
    expect(span).toBeGreaterThan(90 * 24 * 3600 * 1000)
    const outcomes = new Set(a.map((x) => x.plan.outcome))
    expect(outcomes).toEqual(new Set(["SUCCESS", "PARTIAL", "FAILED"]))
    const state = EmulatorState.make()
    state.insert(a)
    const failed = state.all().filter((x) => state.get(x.id, 0)!.status === "FAILED")
    expect(failed.length).toBeGreaterThan(20)
    expect(failed.length).toBeLessThan(200)
  })
})
