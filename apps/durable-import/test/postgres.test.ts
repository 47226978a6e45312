// Two workers (real processes) on one real PostgreSQL server, one key: the import is started once, runs
// on one of them, and when that one is SIGKILLed the other takes it over and finishes it.
import { describe, expect, it } from "@effect/vitest"
import { Emulator } from "@voucherify-effect/testing"
import { Effect } from "effect"
import { startPostgres } from "./postgres.js"
import { polls, type Run, runCli, spawnCli, starts, waitForRequests } from "./support.js"

const startedLine = /message="Voucherify async action started"/
const pollLines = (run: Run) => run.output.stderr.match(/message="Voucherify poll"/g)?.length ?? 0

/** Waits until `check` holds (every 100 ms), at most `withinMillis`. */
const waitUntil = (check: () => boolean, withinMillis: number, what: string) =>
  Effect.gen(function* () {
    const deadline = Date.now() + withinMillis
    while (!check()) {
      if (Date.now() > deadline)
        return yield* Effect.dieMessage(`timed out after ${withinMillis} ms waiting for ${what}`)
      yield* Effect.sleep("100 millis")
    }
  })

/** The worker that polls over a 3-second window while the other does not (tried for up to a minute). */
const currentHolder = (a: Run, b: Run) =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt < 20; attempt++) {
      const before = [pollLines(a), pollLines(b)] as const
      yield* Effect.sleep("3 seconds")
      const grewA = pollLines(a) > before[0]
      const grewB = pollLines(b) > before[1]
      if (grewA !== grewB) return grewA ? ([a, b] as const) : ([b, a] as const)
    }
    return yield* Effect.dieMessage("no single worker held the import for 3 seconds in a minute")
  })

describe("durable-import on PostgreSQL (two runners)", () => {
  it.live(
    "one key, two workers: one start; killing the holder moves the import to the other, which completes it",
    () =>
      Effect.gen(function* () {
        const pg = yield* startPostgres
        const emulator = yield* Emulator.make({ port: 0, defaultDurationMillis: 40_000 })
        const args = ["--key", "pg-import", "--db", pg.url, "--poll-interval", "1000"]
        const debug = { DURABLE_IMPORT_DEBUG: "1" }
        const a = spawnCli(emulator, args, debug)
        const b = spawnCli(emulator, args, debug)
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            a.child.kill("SIGKILL")
            b.child.kill("SIGKILL")
          })
        )
        yield* waitForRequests(emulator, (r) => starts(r).length === 1 && polls(r).length >= 3, 120_000)
        // While the two runners split the shards between them the execution may move once (its journal
        // moves with it); the holder is the worker whose polls go on while the other's do not.
        const [holder, other] = yield* currentHolder(a, b)
        console.log(
          `postgres: started by worker ${startedLine.test(a.output.stderr) ? "a" : "b"}; held by worker ${holder === a ? "a" : "b"} ` +
            `(polls logged: a ${pollLines(a)}, b ${pollLines(b)})`
        )

        holder.child.kill("SIGKILL")
        yield* Effect.promise(() => holder.exited)
        const killedAt = Date.now()
        const pollsBeforeKill = polls(yield* emulator.requests).length
        const otherPollsBefore = pollLines(other)
        yield* waitUntil(() => pollLines(other) > otherPollsBefore, 120_000, "the other worker to poll").pipe(
          Effect.tapDefect(() =>
            Effect.sync(() =>
              console.log(`the other worker's stderr (last 6000 chars):\n${other.output.stderr.slice(-6000)}`)
            )
          )
        )
        const takeoverMillis = Date.now() - killedAt

        const ended = yield* Effect.promise(() => other.exited)
        expect(ended.code, other.output.stderr.slice(-2000)).toBe(0)
        const action = JSON.parse(other.output.stdout.trim()) as Record<string, unknown>
        expect(action.status).toBe("DONE")
        const requests = yield* emulator.requests
        expect(starts(requests)).toHaveLength(1)
        console.log(
          `postgres: the other worker polled ${takeoverMillis} ms after the holder was killed; ` +
            `${requests.length} requests (1 start, ${polls(requests).length} polls, ${pollsBeforeKill} before the kill)`
        )

        // The same key again, on a third worker: the outcome, no request.
        const before = requests.length
        const again = yield* runCli(emulator, args)
        expect(again.code).toBe(0)
        expect(JSON.parse(again.stdout.trim())).toEqual(action)
        expect((yield* emulator.requests).length).toBe(before)
      }).pipe(Effect.scoped),
    400_000
  )
})
