// Hangs and cancellation: a server that accepts and never answers. The request times out at its deadline
// (measured on the TestClock, so a loaded machine cannot fail it), and interrupting a watch or a wait
// after polling has started closes its socket.
import { afterAll, describe, expect, it } from "@effect/vitest"
import { AsyncActions, PollPolicy, RetryPolicy } from "@voucherify-effect/http"
import { Emulator } from "@voucherify-effect/testing"
import { Effect, Fiber, Option, Stream, TestClock, TestServices } from "effect"
import {
  captureLogs,
  classify,
  clientOnEmulator,
  emulatorCredentials,
  eventually,
  report,
  transports
} from "./support.js"

const inFlight = (emu: Emulator.EmulatorHandle, n: number) => Effect.map(emu.inFlight, (count) => count === n)
/** Runs a real-time wait inside a TestClock test. */
const live = TestServices.provideLive

// A poll: GET by id, or a list page (waits share their polls: one poller lists pages for every wait).
const isPoll = (entry: Emulator.RequestLogEntry) => entry.method === "GET" && entry.path.startsWith("/v1/async-actions")

const idle = (emu: Emulator.EmulatorHandle) =>
  Effect.map(Effect.all([emu.inFlight, emu.openConnections]), ([inFlight, open]) => inFlight === 0 && open === 0)

describe.each(transports)("hangs and cancellation (%s)", (transportName, transport) => {
  const figures: Record<string, unknown> = { transport: transportName }
  // Time is the subject: the deadline runs on the TestClock (the watchdog sleeps on Effect's Clock), the
  // sockets and the server are real. Wall-clock bounds failed on a loaded machine (606 ms against < 550).
  it.scoped("a hung request fails with RequestTimeout at requestTimeout, not before, and its socket closes", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ ...emulatorCredentials, seed: 5, faults: { hang: 1 } })
      const layer = clientOnEmulator(emu, { requestTimeout: "300 millis" }, transport)
      const closedAfterMillis: Array<number> = []
      const rounds = 3
      for (let i = 0; i < rounds; i++) {
        const fiber = yield* AsyncActions.list({ limit: 5 }).pipe(
          RetryPolicy.withPolicy(RetryPolicy.none),
          Effect.provide(layer),
          Effect.flip,
          Effect.fork
        )
        expect(yield* live(eventually(inFlight(emu, 1), 10_000))).toBe(true)
        yield* TestClock.adjust("299 millis")
        // 1 ms before the deadline: still waiting, its request still open on the server (checked again
        // after a real pause, in case an early abort were on its way).
        yield* live(Effect.sleep("100 millis"))
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        expect(yield* emu.inFlight).toBe(1)
        yield* TestClock.adjust("1 millis")
        const error = yield* Fiber.join(fiber)
        expect(error._tag).toBe("RequestTimeout")
        const started = Date.now()
        expect(yield* live(eventually(idle(emu), 10_000))).toBe(true)
        closedAfterMillis.push(Date.now() - started)
      }
      const hangs = (yield* emu.faultsInjected).hang
      expect(hangs).toBe(rounds)
      figures.timeoutMillis = 300
      figures.socketClosedAfterTimeoutMillis = closedAfterMillis
      figures.hangsInjected = hangs
    }).pipe(Effect.provide(captureLogs))
  )

  it.scopedLive("interrupting a watch mid-request closes its socket", () =>
    Effect.gen(function* () {
      // First poll answered (IN_PROGRESS), the second one hangs.
      const emu = yield* Emulator.make({ ...emulatorCredentials, faults: { script: ["none", "hang"] } })
      const action = yield* emu.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 60_000 })
      const emitted: Array<string> = []
      const fiber = yield* AsyncActions.watch(action.id, { schedule: PollPolicy.fixed("20 millis") }).pipe(
        Stream.runForEach((snapshot) => Effect.sync(() => emitted.push(snapshot.status))),
        Effect.provide(clientOnEmulator(emu, {}, transport)),
        Effect.fork
      )
      expect(yield* eventually(inFlight(emu, 1), 10_000)).toBe(true)
      // Polling had started: the first poll was answered and emitted, the second one is the hung request.
      const polls = (yield* emu.requests).filter(isPoll)
      expect(polls.length).toBe(2)
      expect(emitted.length).toBeGreaterThanOrEqual(1)
      expect((yield* emu.faultsInjected).hang).toBe(1)
      const before = { inFlight: yield* emu.inFlight, open: yield* emu.openConnections }
      const interruptedAt = Date.now()
      yield* Fiber.interrupt(fiber)
      expect(yield* eventually(idle(emu), 10_000)).toBe(true)
      // Nothing polled after the interruption.
      const after = (yield* emu.requests).filter(isPoll).length
      yield* Effect.sleep("100 millis")
      expect((yield* emu.requests).filter(isPoll).length).toBe(after)
      figures.watch = { before, emitted, closedWithinMillis: Date.now() - interruptedAt, polls: after }
    }).pipe(Effect.provide(captureLogs))
  )

  it.scopedLive("interrupting awaitCompletion closes its socket", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ ...emulatorCredentials, faults: { hang: 1 } })
      const action = yield* emu.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 60_000 })
      const fiber = yield* AsyncActions.awaitCompletion(action.id).pipe(
        Effect.provide(clientOnEmulator(emu, {}, transport)),
        Effect.fork
      )
      expect(yield* eventually(inFlight(emu, 1), 10_000)).toBe(true)
      // Polling had started: its first poll is the request hanging on the server.
      expect((yield* emu.requests).filter(isPoll)).toHaveLength(1)
      expect((yield* emu.faultsInjected).hang).toBe(1)
      const interruptedAt = Date.now()
      yield* Fiber.interrupt(fiber)
      expect(yield* eventually(idle(emu), 10_000)).toBe(true)
      figures.awaitCompletion = { closedWithinMillis: Date.now() - interruptedAt }
    }).pipe(Effect.provide(captureLogs))
  )

  it.scoped("awaitCompletion's own deadline ends a hung poll as WaitTimeout, at the deadline (TestClock)", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ ...emulatorCredentials, faults: { hang: 1 } })
      const action = yield* emu.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 60_000 })
      const fiber = yield* AsyncActions.awaitCompletion(action.id, { timeout: "400 millis" }).pipe(
        Effect.provide(clientOnEmulator(emu, {}, transport)),
        Effect.exit,
        Effect.fork
      )
      expect(yield* live(eventually(inFlight(emu, 1), 10_000))).toBe(true)
      yield* TestClock.adjust("399 millis")
      yield* live(Effect.sleep("100 millis"))
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("1 millis")
      const exit = yield* Fiber.join(fiber)
      expect(classify(exit)).toBeUndefined()
      expect(exit._tag === "Failure" && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("WaitTimeout")
      expect(yield* live(eventually(idle(emu), 10_000))).toBe(true)
      expect((yield* emu.faultsInjected).hang).toBe(1)
    }).pipe(Effect.provide(captureLogs))
  )

  afterAll(() => report("hangs", figures))
})
