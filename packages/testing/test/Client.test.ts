// @voucherify-effect/http end to end against the emulator over real sockets (undici).
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { AsyncActions, PollPolicy, RetryPolicy, VoucherifyClient } from "@voucherify-effect/http"
import { Chunk, Effect, Layer, Redacted, Stream } from "effect"
import * as Emulator from "../src/Emulator.js"

const clientFor = (emulator: Emulator.EmulatorHandle) =>
  AsyncActions.layer.pipe(
    Layer.provide(
      VoucherifyClient.layer({ apiUrl: emulator.url, appId: emulator.appId, secretKey: emulator.secretKey })
    ),
    Layer.provide(NodeHttpClient.layerUndici)
  )

const allIds = (emulator: Emulator.EmulatorHandle) => emulator.state.all().map((action) => action.id)

// Under faults the default backoff (500 ms doubling) would make these tests slow; the point here is
// that nothing is lost or repeated, so retry often and quickly.
const patientPolicy = RetryPolicy.make({
  maxRetries: 12,
  baseDelay: "5 millis",
  maxDelay: "50 millis",
  maxRetryAfter: "50 millis"
})

describe("http client against the emulator", () => {
  it.scopedLive("get and list return the emulator's actions, typed", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.make({ seed: 50 })
      const created = yield* emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 0, outcome: "PARTIAL" })
      const client = clientFor(emulator)
      yield* Effect.sleep("20 millis")
      const action = yield* AsyncActions.get(created.id).pipe(Effect.provide(client))
      expect(action.id).toBe(created.id)
      expect(action.status).toBe("DONE")
      expect(action.result?._tag).toBe("Import")
      const page = yield* AsyncActions.list({ limit: 20 }).pipe(Effect.provide(client))
      expect(page.asyncActions).toHaveLength(20)
      expect(page.hasMore).toBe(true)
      expect(page.asyncActions[0]?.id).toBe(created.id)
    })
  )

  for (const endDateInclusive of [false, true]) {
    it.scopedLive(
      `stream returns every one of 1 000 seeded actions with ties exactly once (end_date ${endDateInclusive ? "inclusive" : "exclusive"})`,
      () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.make({ seed: 1000, endDateInclusive })
          const ids = yield* AsyncActions.stream({ pageSize: 25 }).pipe(
            Stream.map((a) => a.id),
            Stream.runCollect,
            Effect.provide(clientFor(emulator))
          )
          const expected = allIds(emulator)
          expect(Chunk.size(ids)).toBe(expected.length)
          expect(new Set(ids)).toEqual(new Set(expected))
        })
    )
  }

  it.scopedLive("awaitCompletion follows an action to DONE and a failing one to AsyncActionFailed", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.make()
      const client = clientFor(emulator)
      const ok = yield* emulator.createAction({ type: "CUSTOMERS.BULK_UPDATE", durationMillis: 600 })
      const bad = yield* emulator.createAction({ type: "PRODUCTS.IMPORT_CSV", durationMillis: 300, outcome: "FAILED" })
      const options: AsyncActions.WaitOptions = { schedule: PollPolicy.fixed("100 millis"), timeout: "10 seconds" }
      const [done, failed] = yield* Effect.all(
        [AsyncActions.awaitCompletion(ok.id, options), Effect.flip(AsyncActions.awaitCompletion(bad.id, options))],
        { concurrency: 2 }
      ).pipe(Effect.provide(client))
      expect(done.status).toBe("DONE")
      expect(done.result?._tag).toBe("BulkUpdate")
      expect(failed._tag).toBe("AsyncActionFailed")
      expect(failed._tag === "AsyncActionFailed" && failed.action.status).toBe("FAILED")
    })
  )

  it.scopedLive("watch reports rising progress until DONE", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.make()
      const created = yield* emulator.createAction({ type: "VOUCHERS.METADATA_UPDATE", durationMillis: 1000 })
      const seen = yield* AsyncActions.watch(created.id, { schedule: PollPolicy.fixed("100 millis") }).pipe(
        Stream.runCollect,
        Effect.provide(clientFor(emulator))
      )
      const progress = Chunk.toReadonlyArray(seen).map((a) => a.progress ?? 0)
      expect(Chunk.last(seen).pipe((a) => a._tag === "Some" && a.value.status)).toBe("DONE")
      expect(progress.length).toBeGreaterThan(2)
      expect([...progress].sort((a, b) => a - b)).toEqual(progress)
    })
  )

  it.scopedLive("wrong credentials and unknown ids are typed API errors", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.make()
      const wrong = AsyncActions.layer.pipe(
        Layer.provide(
          VoucherifyClient.layer({ apiUrl: emulator.url, appId: emulator.appId, secretKey: Redacted.make("wrong") })
        ),
        Layer.provide(NodeHttpClient.layerUndici)
      )
      const unauthorized = yield* AsyncActions.list().pipe(Effect.flip, Effect.provide(wrong))
      expect(unauthorized._tag).toBe("Unauthorized")
      const missing = yield* AsyncActions.get("aa_0000000000000000ff").pipe(
        Effect.flip,
        Effect.provide(clientFor(emulator))
      )
      expect(missing._tag).toBe("NotFound")
      expect(missing._tag === "NotFound" && missing.body?.key).toBe("not_found")
      expect(missing.message).toContain("request_id")
    })
  )

  it.scopedLive(
    "under 20% 503, 10% 429, 5% resets and 2% truncated bodies, stream still returns every action exactly once",
    () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.make({
          seed: 1000,
          faults: { seed: 7, serverError: 0.2, rateLimited: 0.1, reset: 0.05, truncated: 0.02 }
        })
        const ids = yield* AsyncActions.stream({ pageSize: 50 }).pipe(
          Stream.map((a) => a.id),
          Stream.runCollect,
          RetryPolicy.withPolicy(patientPolicy),
          Effect.provide(clientFor(emulator))
        )
        const expected = allIds(emulator)
        expect(Chunk.size(ids)).toBe(expected.length)
        expect(new Set(ids)).toEqual(new Set(expected))
        const injected = yield* emulator.faultsInjected
        expect(injected.server_error + injected.rate_limited + injected.reset + injected.truncated).toBeGreaterThan(5)
      }),
    60_000
  )
})
