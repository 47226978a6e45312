// Hangs and cancellation: a server that accepts and never answers. The request times out within its
// deadline, and interrupting a watch or a wait closes its socket.
import { afterAll, describe, expect, it } from "@effect/vitest"
import { AsyncActions, PollPolicy, RetryPolicy } from "@voucherify-effect/http"
import { Emulator } from "@voucherify-effect/testing"
import { Effect, Fiber, Stream } from "effect"
import {
  captureLogs,
  classify,
  clientOnEmulator,
  emulatorCredentials,
  eventually,
  report,
  transports
} from "./support.js"

const idle = (emu: Emulator.EmulatorHandle) =>
  Effect.map(Effect.all([emu.inFlight, emu.openConnections]), ([inFlight, open]) => inFlight === 0 && open === 0)

describe.each(transports)("hangs and cancellation (%s)", (transportName, transport) => {
  const figures: Record<string, unknown> = { transport: transportName }
  it.scopedLive("a hung request fails with RequestTimeout within requestTimeout + slack, and its socket closes", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ ...emulatorCredentials, seed: 5, faults: { hang: 1 } })
      const layer = clientOnEmulator(emu, { requestTimeout: "300 millis" }, transport)
      const samples: Array<number> = []
      for (let i = 0; i < 5; i++) {
        const started = Date.now()
        const error = yield* AsyncActions.list({ limit: 5 }).pipe(
          RetryPolicy.withPolicy(RetryPolicy.none),
          Effect.provide(layer),
          Effect.flip
        )
        const elapsed = Date.now() - started
        samples.push(elapsed)
        expect(error._tag).toBe("RequestTimeout")
        expect(elapsed).toBeGreaterThanOrEqual(295)
        expect(elapsed).toBeLessThan(300 + 250)
        expect(yield* eventually(idle(emu), 1000)).toBe(true)
      }
      figures.timeoutMillis = 300
      figures.timeoutElapsedMillis = samples
      figures.hangsInjected = (yield* emu.faultsInjected).hang
    }).pipe(Effect.provide(captureLogs))
  )

  it.scopedLive("interrupting a watch mid-request closes its socket", () =>
    Effect.gen(function* () {
      // First poll answered (IN_PROGRESS), the second one hangs.
      const emu = yield* Emulator.make({ ...emulatorCredentials, faults: { script: ["none", "hang"] } })
      const action = yield* emu.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 60_000 })
      const fiber = yield* AsyncActions.watch(action.id, { schedule: PollPolicy.fixed("20 millis") }).pipe(
        Stream.runDrain,
        Effect.provide(clientOnEmulator(emu, {}, transport)),
        Effect.fork
      )
      expect(
        yield* eventually(
          Effect.map(emu.inFlight, (n) => n === 1),
          3000
        )
      ).toBe(true)
      const before = { inFlight: yield* emu.inFlight, open: yield* emu.openConnections }
      const interruptedAt = Date.now()
      yield* Fiber.interrupt(fiber)
      expect(yield* eventually(idle(emu), 1000)).toBe(true)
      figures.watch = { before, closedWithinMillis: Date.now() - interruptedAt, requests: (yield* emu.requests).length }
    }).pipe(Effect.provide(captureLogs))
  )

  it.scopedLive("interrupting awaitCompletion closes its socket; so does its own deadline", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ ...emulatorCredentials, faults: { hang: 1 } })
      const action = yield* emu.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 60_000 })
      const layer = clientOnEmulator(emu, {}, transport)
      const fiber = yield* AsyncActions.awaitCompletion(action.id).pipe(Effect.provide(layer), Effect.fork)
      expect(
        yield* eventually(
          Effect.map(emu.inFlight, (n) => n === 1),
          3000
        )
      ).toBe(true)
      const interruptedAt = Date.now()
      yield* Fiber.interrupt(fiber)
      expect(yield* eventually(idle(emu), 1000)).toBe(true)
      const closedWithin = Date.now() - interruptedAt

      // The wait's own deadline ends a hung poll too, as a typed WaitTimeout.
      const started = Date.now()
      const exit = yield* AsyncActions.awaitCompletion(action.id, { timeout: "400 millis" }).pipe(
        Effect.provide(layer),
        Effect.exit
      )
      expect(classify(exit)).toBeUndefined()
      expect(exit._tag === "Failure" && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("WaitTimeout")
      expect(Date.now() - started).toBeLessThan(400 + 250)
      expect(yield* eventually(idle(emu), 1000)).toBe(true)
      figures.awaitCompletion = { closedWithinMillis: closedWithin, waitTimeoutElapsedMillis: Date.now() - started }
    }).pipe(Effect.provide(captureLogs))
  )

  afterAll(() => report("hangs", figures))
})
