// Faults: the whole history streamed under a hostile network (5xx, 429 with Retry-After, resets, cut
// bodies) comes out complete and exactly once; waits under the same faults never report DONE unless the
// server said DONE, and FAILED always surfaces as AsyncActionFailed.
import { describe, expect, it } from "@effect/vitest"
import { VoucherifyError } from "@voucherify-effect/core"
import { AsyncActions, PollPolicy, RetryPolicy } from "@voucherify-effect/http"
import { Emulator, EmulatorState } from "@voucherify-effect/testing"
import { Cause, Chunk, Effect, Exit, Stream } from "effect"
import {
  captureLogs,
  classify,
  clientOnEmulator,
  emulatorCredentials,
  expectFaults,
  fastRetries,
  report,
  transports
} from "./support.js"

// 20% 5xx (the emulator picks among 500/502/503/504, all transient), 10% 429 with Retry-After: 1,
// 5% connection resets, 2% bodies cut short.
const profile = { seed: 7, serverError: 0.2, rateLimited: 0.1, reset: 0.05, truncated: 0.02 }
// At least this many of each kind in every run (about 80 attempts per stream, 100 for the waiters).
const streamFloors = { server_error: 10, rate_limited: 5, reset: 1, truncated: 1 }

describe.each(transports)("faults (%s)", (transportName, transport) => {
  for (const faultSeed of [7, 8, 9])
    it.scopedLive(`stream over 5 000 actions (with ties) yields every id exactly once (fault seed ${faultSeed})`, () =>
      Effect.gen(function* () {
        const emu = yield* Emulator.make({
          ...emulatorCredentials,
          seed: 5000,
          seedValue: 11,
          faults: { ...profile, seed: faultSeed }
        })
        const all = emu.state.all()
        const ties = all.length - new Set(all.map((a) => a.createdAt)).size
        expect(ties).toBeGreaterThan(0)
        const started = Date.now()
        const exit = yield* AsyncActions.stream({ pageSize: 100 }).pipe(
          Stream.runCollect,
          RetryPolicy.withPolicy(fastRetries(30)),
          Effect.provide(clientOnEmulator(emu, {}, transport)),
          Effect.exit
        )
        // The stream must finish: giving up with a typed error is a failure here, not a pass.
        expect(classify(exit)).toBeUndefined()
        expect(exit._tag, Exit.isFailure(exit) ? Cause.pretty(exit.cause).slice(0, 500) : "").toBe("Success")
        const ids = Chunk.toReadonlyArray(Exit.isSuccess(exit) ? exit.value : Chunk.empty()).map((a) => a.id as string)
        expect(ids.length).toBe(all.length)
        const counts = new Map<string, number>()
        for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
        const duplicates = [...counts.values()].filter((n) => n > 1).length
        const expected = new Set(all.map((a) => a.id))
        const missing = [...expected].filter((id) => !counts.has(id)).length
        const unknown = [...counts.keys()].filter((id) => !expected.has(id)).length
        // Order too: newest first, ties by id descending, as the server stores them.
        expect(ids).toEqual(all.map((a) => a.id))
        expect({ duplicates, missing, unknown }).toEqual({ duplicates: 0, missing: 0, unknown: 0 })
        const log = yield* emu.requests
        const injected = yield* emu.faultsInjected
        // Every fault of the profile happened (each seed gives at least these; see the figures printed).
        expectFaults(injected, streamFloors)
        report("faults.stream", {
          transport: transportName,
          faultSeed,
          actions: all.length,
          tiedActions: ties,
          attempts: log.length,
          ok: log.filter((e) => e.status === 200 && e.fault === undefined).length,
          faultsInjected: injected,
          duplicates,
          missing,
          seconds: (Date.now() - started) / 1000
        })
      }).pipe(Effect.provide(captureLogs))
    )

  it.scopedLive("awaitCompletion never reports DONE unless the server did; FAILED is AsyncActionFailed", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ ...emulatorCredentials, faults: profile })
      const outcomes = ["SUCCESS", "FAILED", "PARTIAL"] as const
      const types = ["VOUCHERS.IMPORT", "CUSTOMERS.BULK_UPDATE", "PRODUCTS.METADATA_UPDATE", "ORDERS.IMPORT"] as const
      const created = yield* Effect.forEach(
        Array.from({ length: 60 }, (_, i) => i),
        (i) =>
          emu.createAction({
            type: types[i % types.length]!,
            outcome: outcomes[i % outcomes.length]!,
            durationMillis: 100 + ((i * 37) % 500),
            startAfterMillis: (i * 13) % 100
          })
      )
      const results = yield* Effect.forEach(
        created,
        (wire) =>
          AsyncActions.awaitCompletion(wire.id, {
            schedule: PollPolicy.fixed("25 millis"),
            timeout: "20 seconds",
            maxConsecutiveFailures: 10
          }).pipe(
            Effect.exit,
            Effect.map((exit) => ({ wire, exit, at: Date.now() }))
          ),
        { concurrency: "unbounded" }
      ).pipe(RetryPolicy.withPolicy(fastRetries(30)), Effect.provide(clientOnEmulator(emu, {}, transport)))

      let succeeded = 0
      let failed = 0
      for (const { at, exit, wire } of results) {
        expect(classify(exit)).toBeUndefined()
        const stored = emu.state.find(wire.id)!
        const server = EmulatorState.statusAt(stored, at)
        const serverView = emu.state.get(wire.id, at)!
        const serverSucceeded = server.status === "DONE" && serverView.operation_status !== "FAILED"
        if (exit._tag === "Success") {
          succeeded++
          // Reported DONE: the server had finished it, as a success, by the time the waiter returned.
          expect(server.finished).toBe(true)
          expect(serverSucceeded).toBe(true)
          expect(exit.value.status).toBe("DONE")
          expect(exit.value.id).toBe(wire.id)
        } else {
          failed++
          const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          expect(error?._tag).toBe("AsyncActionFailed")
          if (error?._tag === "AsyncActionFailed") {
            expect(server.finished).toBe(true)
            expect(serverSucceeded).toBe(false)
            expect(error.action.status === "FAILED" || error.action.operationStatus === "FAILED").toBe(true)
          }
          expect(VoucherifyError.isVoucherifyError(error)).toBe(true)
        }
      }
      const expectedFailures = created.filter((w) => {
        const stored = emu.state.find(w.id)!
        const finalView = emu.state.get(w.id, Number.MAX_SAFE_INTEGER)!
        return stored.plan.outcome === "FAILED" || finalView.operation_status === "FAILED"
      }).length
      expect(failed).toBe(expectedFailures)
      const log = yield* emu.requests
      expectFaults(yield* emu.faultsInjected, streamFloors)
      report("faults.awaitCompletion", {
        transport: transportName,
        waiters: created.length,
        succeeded,
        asyncActionFailed: failed,
        attempts: log.length,
        faultsInjected: yield* emu.faultsInjected
      })
    }).pipe(Effect.provide(captureLogs))
  )
})
