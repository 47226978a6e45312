// The SQLite engine on a real file, in this process: a journal outlives the engine that wrote it. Each
// `Effect.provide` below builds the engine afresh on the same file, like a process started again.
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { AsyncActions, PollPolicy, VoucherifyClient } from "@voucherify-effect/http"
import { InMemory } from "@voucherify-effect/testing"
import { Effect, Layer, Schema } from "effect"
import * as DurableAwait from "../src/DurableAwait.js"
import { DurableStoreError } from "../src/DurableStoreError.js"
import * as SqliteEngine from "../src/SqliteEngine.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "workflow-sqlite-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

describe("SqliteEngine", () => {
  it.live(
    "a start step's bad answer is journaled: a new engine on the same file replays it without calling the step",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const filename = Path.join(dir, "journal.db")
        let calls = 0
        const bad = DurableAwait.make({
          name: "SqliteBadStart",
          input: Schema.Void,
          start: () =>
            Effect.sync(() => {
              calls++
              return "not-an-action"
            }),
          schedule: PollPolicy.fixed("100 millis")
        })
        const emulator = Layer.unwrapEffect(
          Effect.map(InMemory.InMemoryEmulator, (emu) =>
            VoucherifyClient.layer({ apiUrl: "http://127.0.0.1", appId: emu.appId, secretKey: emu.secretKey })
          )
        ).pipe(Layer.provideMerge(InMemory.layer()))
        // A fresh engine each time: Layer.fresh keeps vitest from sharing one build between the two runs.
        const live = () =>
          Layer.fresh(
            bad.layer.pipe(
              Layer.provideMerge(SqliteEngine.layer({ filename })),
              Layer.provideMerge(AsyncActions.layer),
              Layer.provideMerge(emulator)
            )
          )
        const first = yield* bad.run({ key: "k", input: undefined }).pipe(Effect.flip, Effect.provide(live()))
        expect(first._tag).toBe("InvalidInput")
        expect(first.message).toContain('"not-an-action"')
        const second = yield* bad.run({ key: "k", input: undefined }).pipe(Effect.flip, Effect.provide(live()))
        expect(second).toEqual(first)
        expect(calls).toBe(1)
      }).pipe(Effect.scoped),
    120_000
  )

  it.live(
    "a file that cannot be opened is a DurableStoreError naming it",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const filename = Path.join(dir, "no-such-dir", "journal.db")
        const error = yield* Layer.build(SqliteEngine.layer({ filename })).pipe(Effect.flip)
        expect(error).toBeInstanceOf(DurableStoreError)
        expect(error.store).toBe("sqlite")
        expect(error.message).toContain(filename)
      }).pipe(Effect.scoped),
    60_000
  )
})
