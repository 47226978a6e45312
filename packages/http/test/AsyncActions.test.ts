import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Option, Stream, TestClock } from "effect"
import * as AsyncActions from "../src/AsyncActions.js"
import * as PollPolicy from "../src/PollPolicy.js"
import * as RetryPolicy from "../src/RetryPolicy.js"
import { actionJson, clientLayer, type Reply, recordSpans, scripted, validId } from "./support.js"

// An action that is ENQUEUED, then IN_PROGRESS with rising progress, then ends as given, by poll count.
const lifecycle = (end: Record<string, unknown>, progress: ReadonlyArray<number> = [0, 20, 20, 60]) => {
  const snapshots: Array<Record<string, unknown>> = [
    actionJson({ id: validId, status: "ENQUEUED", progress: 0 }),
    ...progress.map((p) => actionJson({ id: validId, status: "IN_PROGRESS", progress: p })),
    actionJson({ id: validId, progress: 100, ...end })
  ]
  return (_: URL, i: number): Reply => ({ status: 200, body: snapshots[Math.min(i, snapshots.length - 1)] })
}

const fastPolls = { schedule: PollPolicy.fixed("1 second") }

describe("awaitCompletion", () => {
  it.effect("returns the DONE action, polling first immediately", () =>
    Effect.gen(function* () {
      const script = scripted(lifecycle({ status: "DONE" }))
      const fiber = yield* AsyncActions.awaitCompletion(validId, fastPolls).pipe(
        Effect.provide(clientLayer(script)),
        Effect.fork
      )
      yield* TestClock.adjust("1 minute")
      const action = yield* Fiber.join(fiber)
      expect(action.status).toBe("DONE")
      expect(script.requests[0]?.at).toBe(0)
      expect(script.requests).toHaveLength(6)
    })
  )

  it.effect("fails with AsyncActionFailed carrying the final action when FAILED", () =>
    Effect.gen(function* () {
      const script = scripted(
        lifecycle({ status: "FAILED", result: { message: "boom", failed: [], done_count: 0, failed_count: 3 } })
      )
      const fiber = yield* AsyncActions.awaitCompletion(validId, fastPolls).pipe(
        Effect.provide(clientLayer(script)),
        Effect.flip,
        Effect.fork
      )
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("AsyncActionFailed")
      expect(error._tag === "AsyncActionFailed" && error.action.status).toBe("FAILED")
      expect(error.message).toContain("boom")
    })
  )

  it.effect("DONE with operation_status FAILED is a failure too", () =>
    Effect.gen(function* () {
      const script = scripted(
        lifecycle({ status: "DONE", operation_status: "FAILED", type: "VOUCHERS.BULK_UPDATE" }, [])
      )
      const fiber = yield* AsyncActions.awaitCompletion(validId, fastPolls).pipe(
        Effect.provide(clientLayer(script)),
        Effect.flip,
        Effect.fork
      )
      yield* TestClock.adjust("1 minute")
      expect((yield* Fiber.join(fiber))._tag).toBe("AsyncActionFailed")
    })
  )

  it.effect("times out with the last action seen, polling once more just before the deadline", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({
        status: 200,
        body: actionJson({ id: validId, status: "IN_PROGRESS", progress: 42 })
      }))
      const fiber = yield* AsyncActions.awaitCompletion(validId, {
        schedule: PollPolicy.fixed("4 seconds"),
        timeout: "10 seconds"
      }).pipe(Effect.provide(clientLayer(script)), Effect.flip, Effect.fork)
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("WaitTimeout")
      expect(error._tag === "WaitTimeout" && error.lastAction?.progress).toBe(42)
      const times = script.requests.map((r) => r.at)
      // 0, 4 s, 8 s, then a last poll at 9 s (1 s before the deadline) instead of sleeping past it.
      expect(times).toEqual([0, 4000, 8000, 9000])
    })
  )

  it.effect("a timeout reports how many polls failed and why, so an outage behind it is visible", () =>
    Effect.gen(function* () {
      const script = scripted((_, i) =>
        i === 0
          ? { status: 200, body: actionJson({ id: validId, status: "IN_PROGRESS", progress: 10 }) }
          : { status: 503 }
      )
      const fiber = yield* AsyncActions.awaitCompletion(validId, {
        schedule: PollPolicy.fixed("5 seconds"),
        timeout: "30 seconds",
        maxConsecutiveFailures: 100
      }).pipe(RetryPolicy.withPolicy(RetryPolicy.none), Effect.provide(clientLayer(script)), Effect.flip, Effect.fork)
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      if (error._tag !== "WaitTimeout") throw new Error(`expected WaitTimeout, got ${error._tag}`)
      expect(error.polls).toBe(script.requests.length)
      expect(error.failedPolls).toEqual({ ServerError: script.requests.length - 1 })
      expect(error.lastAction?.progress).toBe(10)
      expect(error.message).toContain("ServerError")
    })
  )

  it.effect("ends at once on a permanent error (404), long before the deadline", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({
        status: 404,
        body: { code: 404, key: "not_found", message: "Resource not found" }
      }))
      const exit = yield* AsyncActions.awaitCompletion(validId, { timeout: "1 hour" }).pipe(
        Effect.provide(clientLayer(script)),
        Effect.exit
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(script.requests).toHaveLength(1)
    })
  )

  it.effect("rides out a transient outage between polls", () =>
    Effect.gen(function* () {
      let polls = 0
      const script = scripted((_, i) => {
        // requests 1..5 (one whole poll with its retries) fail; the wait keeps going.
        if (i >= 1 && i <= 5) return { status: 503 }
        polls += 1
        return {
          status: 200,
          body: actionJson({ id: validId, status: polls >= 3 ? "DONE" : "IN_PROGRESS", progress: polls * 30 })
        }
      })
      const fiber = yield* AsyncActions.awaitCompletion(validId, fastPolls).pipe(
        Effect.provide(clientLayer(script)),
        Effect.fork
      )
      yield* TestClock.adjust("5 minutes")
      expect((yield* Fiber.join(fiber)).status).toBe("DONE")
    })
  )

  it.effect("interruption stops polling", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({
        status: 200,
        body: actionJson({ id: validId, status: "IN_PROGRESS", progress: 1 })
      }))
      const fiber = yield* AsyncActions.awaitCompletion(validId, fastPolls).pipe(
        Effect.provide(clientLayer(script)),
        Effect.fork
      )
      yield* TestClock.adjust("3 seconds")
      // Polling had started (at 0, 1, 2 and 3 s), so "no more requests" below is about the interruption.
      const seen = script.requests.length
      expect(seen).toBeGreaterThanOrEqual(3)
      expect(yield* Fiber.poll(fiber)).toEqual(Option.none())
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("1 minute")
      expect(script.requests.length).toBe(seen)
    })
  )

  it.effect("bad inputs fail before any request", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({ status: 200, body: actionJson() }))
      const layer = clientLayer(script)
      for (const id of ["", "../x", "aa_", "aa_a/b", "AA_1", "x".repeat(10_000), "aa_1?x=y", "aa_1%2F"]) {
        const error = yield* AsyncActions.get(id).pipe(Effect.flip, Effect.provide(layer))
        expect(error._tag).toBe("InvalidInput")
        expect(error.message).toContain("id")
      }
      for (const limit of [0, 101, 1.5, Number.NaN]) {
        const error = yield* AsyncActions.list({ limit }).pipe(Effect.flip, Effect.provide(layer))
        expect(error._tag === "InvalidInput" && error.field).toBe("limit")
      }
      for (const endDate of ["garbage", "2023-13-45"]) {
        const error = yield* AsyncActions.list({ endDate }).pipe(Effect.flip, Effect.provide(layer))
        expect(error._tag === "InvalidInput" && error.field).toBe("endDate")
      }
      const pageSize = yield* AsyncActions.stream({ pageSize: 500 }).pipe(
        Stream.runDrain,
        Effect.flip,
        Effect.provide(layer)
      )
      expect(pageSize._tag === "InvalidInput" && pageSize.field).toBe("pageSize")
      const timeout = yield* AsyncActions.awaitCompletion(validId, { timeout: -5 }).pipe(
        Effect.flip,
        Effect.provide(layer)
      )
      expect(timeout._tag === "InvalidInput" && timeout.field).toBe("timeout")
      expect(script.requests).toHaveLength(0)
    })
  )
  // (The shared wait's span: SharedPoller.test.ts in @voucherify-effect/testing, which has a server to list.)
  it.effect("its span names the action and, once DONE, its status; per-id polls run under it", () =>
    Effect.gen(function* () {
      const { spans, layer: tracer } = recordSpans()
      const script = scripted(lifecycle({ status: "DONE" }))
      const fiber = yield* AsyncActions.awaitCompletion(validId, { ...fastPolls, polling: "per-id" }).pipe(
        Effect.provide(clientLayer(script)),
        Effect.provide(tracer),
        Effect.fork
      )
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      const wait = spans.find((span) => span.name === "AsyncActions.awaitCompletion")
      expect(wait?.attributes.get("voucherify.async_action.id")).toBe(validId)
      expect(wait?.attributes.get("voucherify.async_action.status")).toBe("DONE")
      expect(wait?.status._tag).toBe("Ended")
      const watch = spans.find((span) => span.name === "AsyncActions.watch")
      expect(Option.map(watch!.parent, (parent) => parent.spanId)).toStrictEqual(Option.some(wait?.spanId))
    })
  )
})

describe("watch", () => {
  it.effect("emits a snapshot only when status or progress changes, ending after the terminal one", () =>
    Effect.gen(function* () {
      const script = scripted(lifecycle({ status: "DONE" }, [0, 20, 20, 20, 60]))
      const fiber = yield* AsyncActions.watch(validId, fastPolls).pipe(
        Stream.map((a) => `${a.status}:${a.progress}`),
        Stream.runCollect,
        Effect.provide(clientLayer(script)),
        Effect.fork
      )
      yield* TestClock.adjust("1 minute")
      const seen = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
      expect(seen).toEqual(["ENQUEUED:0", "IN_PROGRESS:0", "IN_PROGRESS:20", "IN_PROGRESS:60", "DONE:100"])
    })
  )

  it.effect("emits the terminal FAILED snapshot and ends without failing", () =>
    Effect.gen(function* () {
      const script = scripted(lifecycle({ status: "FAILED" }, []))
      const fiber = yield* AsyncActions.watch(validId, fastPolls).pipe(
        Stream.runCollect,
        Effect.provide(clientLayer(script)),
        Effect.fork
      )
      yield* TestClock.adjust("1 minute")
      const seen = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
      expect(seen.at(-1)?.status).toBe("FAILED")
    })
  )

  it.effect("the default schedule grows from about a second to a cap", () =>
    Effect.gen(function* () {
      const script = scripted(() => ({
        status: 200,
        body: actionJson({ id: validId, status: "IN_PROGRESS", progress: 5 })
      }))
      const fiber = yield* AsyncActions.watch(validId).pipe(
        Stream.runDrain,
        Effect.provide(clientLayer(script)),
        Effect.fork
      )
      yield* TestClock.adjust("10 minutes")
      yield* Fiber.interrupt(fiber)
      const gaps = script.requests.slice(1).map((r, i) => r.at - script.requests[i]!.at)
      expect(gaps[0]).toBeGreaterThanOrEqual(800)
      expect(gaps[0]).toBeLessThanOrEqual(1200)
      expect(Math.max(...gaps)).toBeLessThanOrEqual(15_001)
      expect(Math.max(...gaps)).toBeGreaterThanOrEqual(10_000)
      // 10 minutes of polling a long import costs well under the 100/minute budget of the smallest plan.
      expect(script.requests.length).toBeLessThan(60)
    })
  )
})
