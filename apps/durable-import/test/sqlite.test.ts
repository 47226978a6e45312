// The CLI as real processes on a real SQLite file, against the emulator: SIGKILL in the middle of an
// import and a new process finishes it; the import is started exactly once; a finished key replays its
// outcome without a request. Time bounds are generous (the machine is shared); the figures are printed.
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Emulator } from "@voucherify-effect/testing"
import { Effect, Redacted } from "effect"
import { polls, runCli, spawnCli, starts, tempDir, waitForRequests } from "./support.js"

const plainGet = (emulator: Emulator.EmulatorHandle, id: string) =>
  Effect.promise(async () => {
    const response = await fetch(`${emulator.url}/v1/async-actions/${id}`, {
      headers: { "x-app-id": emulator.appId, "x-app-token": Redacted.value(emulator.secretKey) }
    })
    return (await response.json()) as Record<string, unknown>
  })

/** Starts a worker, SIGKILLs it after the start and two polls, starts another; returns what happened. */
const crashAndResume = (emulator: Emulator.EmulatorHandle, key: string) =>
  Effect.gen(function* () {
    const dir = yield* tempDir
    const args = ["--key", key, "--db", Path.join(dir, "journal.db"), "--poll-interval", "1000"]
    const first = spawnCli(emulator, args)
    const seen = yield* waitForRequests(emulator, (r) => starts(r).length === 1 && polls(r).length >= 2, 90_000)
    first.child.kill("SIGKILL")
    const killed = yield* Effect.promise(() => first.exited)
    const killedAt = Date.now()
    expect(killed.code).toBeNull()
    const pollsBeforeKill = polls(yield* emulator.requests).length
    const second = spawnCli(emulator, args)
    yield* waitForRequests(emulator, (r) => polls(r).length > pollsBeforeKill, 90_000)
    const resumeMillis = Date.now() - killedAt
    const ended = yield* Effect.promise(() => second.exited)
    const requests = yield* emulator.requests
    return { args, seen, ended, second, requests, resumeMillis, pollsBeforeKill }
  })

describe("durable-import on SQLite (real processes)", () => {
  it.live(
    "SIGKILL after the first polls: a new worker completes with DONE; one start; the result is a plain GET's",
    () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.make({ port: 0, defaultDurationMillis: 15_000 })
        const run = yield* crashAndResume(emulator, "crash-done")
        expect(run.ended.code, run.second.output.stderr).toBe(0)
        const lines = run.second.output.stdout.trim().split("\n")
        expect(lines).toHaveLength(1)
        const action = JSON.parse(lines[0] as string) as Record<string, unknown>
        expect(action.status).toBe("DONE")
        expect(action.result).toMatchObject({ done_count: 20, failed_count: 0 })
        expect(starts(run.requests)).toHaveLength(1)
        expect(action).toEqual(yield* plainGet(emulator, action.id as string))
        console.log(
          `crash-done: resumed polling ${run.resumeMillis} ms after the kill (new process start included); ` +
            `${run.requests.length} requests for the whole workflow (1 start, ${polls(run.requests).length} polls, ` +
            `${run.pollsBeforeKill} before the kill); second worker ran ${run.ended.millis} ms`
        )

        // The same key again: the first outcome, without a single request.
        const before = (yield* emulator.requests).length
        const again = yield* runCli(emulator, run.args)
        expect(again.code).toBe(0)
        expect(JSON.parse(again.stdout.trim())).toEqual(action)
        expect((yield* emulator.requests).length).toBe(before)
        console.log(`crash-done: replaying the finished key took ${again.millis} ms and 0 requests`)
      }).pipe(Effect.scoped),
    300_000
  )

  it.live(
    "an import that ends FAILED: the typed failure (exit 1, the final action on stdout), recorded once",
    () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.make({ port: 0, defaultDurationMillis: 15_000, defaultOutcome: "FAILED" })
        const run = yield* crashAndResume(emulator, "crash-failed")
        expect(run.ended.code, run.second.output.stderr).toBe(1)
        expect(run.second.output.stderr).toMatch(
          /durable-import: Async action aa_\w+ \(VOUCHERS\.IMPORT\) finished FAILED/
        )
        const action = JSON.parse(run.second.output.stdout.trim()) as Record<string, unknown>
        expect(action.status).toBe("FAILED")
        expect(starts(run.requests)).toHaveLength(1)
        const before = (yield* emulator.requests).length
        const again = yield* runCli(emulator, run.args)
        expect(again.code).toBe(1)
        expect(JSON.parse(again.stdout.trim())).toEqual(action)
        expect(again.stderr).toBe(run.second.output.stderr)
        expect((yield* emulator.requests).length).toBe(before)
        console.log(
          `crash-failed: resumed polling ${run.resumeMillis} ms after the kill; ${run.requests.length} requests; ` +
            `replay ${again.millis} ms, 0 requests`
        )
      }).pipe(Effect.scoped),
    300_000
  )

  it.live(
    "bad input, an unreachable journal, a refused start: a clear message and exit code, nothing started twice",
    () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.make({ port: 0 })
        const dir = yield* tempDir
        const db = Path.join(dir, "journal.db")
        const cases: ReadonlyArray<readonly [ReadonlyArray<string>, number, RegExp]> = [
          [["--key", "k", "--db", db, "--items", "0"], 2, /--items must be an integer between 1 and 10000/],
          [["--db", db], 2, /--key is required/],
          [["--key", "k", "--db", db, "--timeout", "soon"], 2, /--timeout must be a positive duration/],
          [
            ["--key", "k", "--db", "postgres://durable:secret-pw@127.0.0.1:1/none"],
            4,
            /Cannot open the PostgreSQL journal at postgres:\/\/durable:\*\*\*@127\.0\.0\.1:1\/none/
          ],
          [["--key", "k", "--db", Path.join(dir, "missing", "journal.db")], 4, /Cannot open the SQLite journal/]
        ]
        for (const [args, code, message] of cases) {
          const result = yield* runCli(emulator, args)
          expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(code)
          expect(result.stderr).toMatch(message)
          expect(result.stderr).not.toContain("secret-pw")
          expect(result.stdout).toBe("")
        }
        expect(yield* emulator.requests).toEqual([])

        // A start the API refuses (401) exits 3, and is the key's outcome: the right key later replays it.
        const refused = yield* runCli(emulator, ["--key", "refused", "--db", db], { VOUCHERIFY_SECRET_KEY: "wrong" })
        expect(refused.code, refused.stderr).toBe(3)
        expect(refused.stderr).toMatch(/Unauthorized: POST \/v1\/vouchers\/import answered 401/)
        expect(refused.stderr).not.toContain("wrong")
        expect((yield* emulator.requests).map((r) => r.status)).toEqual([401])
        const replayed = yield* runCli(emulator, ["--key", "refused", "--db", db])
        expect(replayed.code).toBe(3)
        expect(replayed.stderr).toBe(refused.stderr)
        expect(yield* emulator.requests).toHaveLength(1)
      }).pipe(Effect.scoped),
    180_000
  )
})
