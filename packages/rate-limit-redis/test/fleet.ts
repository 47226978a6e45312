// The fleet of the fleet tests: one emulator enforcing a limit per (shortened) window and logging arrival
// times, live actions to await, and worker processes (test/fixtures/worker.ts) that each stream the history and
// await their share of the live actions through their own client and limiter.
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { Emulator, type Faults } from "@voucherify-effect/testing"
import { Effect, Redacted, type Scope } from "effect"
import type { RedisServer } from "./redisServer.js"

const packageDir = Path.resolve(import.meta.dirname, "..")
const workerPath = Path.join(packageDir, "test", "fixtures", "worker.mjs")

export interface FleetOptions {
  /** Shared on this Redis, or (undefined) one in-memory limiter per process. */
  readonly redis: RedisServer | undefined
  readonly limit: number
  readonly windowMillis: number
  readonly workers: number
  readonly history: number
  readonly actionsPerWorker: number
  readonly pageSize: number
  readonly faults?: Faults.FaultProfile | undefined
  /**
   * Runs alongside the workers (e.g. kills Redis mid-run). `fleetKnown()` is how many processes each worker
   * last read from Redis (0 until its first reading), from the `fleet N` lines the workers print.
   */
  readonly during?:
    | ((emulator: Emulator.EmulatorHandle, fleetKnown: () => ReadonlyArray<number>) => Effect.Effect<void>)
    | undefined
}

export interface WorkerOutput {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly result: { streamed: Array<string>; waits: Record<string, string> } | undefined
}

export interface FleetRun {
  readonly arrivals: ReadonlyArray<{ readonly at: number; readonly status: number; readonly fault?: string }>
  readonly workers: ReadonlyArray<WorkerOutput>
  /** Every action id the emulator holds (the history and the live ones). */
  readonly allIds: ReadonlyArray<string>
  /** Live action id → what its wait must end with: `DONE` or `AsyncActionFailed`. */
  readonly expected: ReadonlyArray<Record<string, string>>
  readonly secrets: ReadonlyArray<string>
  readonly startedAt: number
  readonly wallMillis: number
}

const runWorker = (env: Record<string, string>, onFleet: (known: number) => void): Promise<WorkerOutput> =>
  new Promise((resolve) => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VOUCHERIFY_")))
    const child = ChildProcess.spawn(process.execPath, [workerPath], {
      cwd: packageDir,
      env: { ...inherited, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
      const known = [...stderr.matchAll(/^fleet (\d+)$/gm)].at(-1)?.[1]
      if (known !== undefined) onFleet(Number(known))
    })
    child.once("exit", (code) => {
      let result: WorkerOutput["result"]
      try {
        result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "")
      } catch {
        result = undefined
      }
      resolve({ code, stdout, stderr, result })
    })
  })

export const run = (options: FleetOptions): Effect.Effect<FleetRun, never, Scope.Scope> =>
  Effect.gen(function* () {
    const emu = yield* Emulator.make({
      seed: options.history,
      seedValue: 15,
      rateLimitPerMinute: options.limit,
      rateLimitWindowMillis: options.windowMillis,
      faults: options.faults,
      defaultLimit: 10
    }).pipe(Effect.orDie)
    const expected: Array<Record<string, string>> = []
    // Distinct creation times (1 ms apart, in the recent past): a page boundary never falls inside a tie.
    let createdAt = Date.now() - options.workers * options.actionsPerWorker - 1
    for (let w = 0; w < options.workers; w++) {
      const mine: Record<string, string> = {}
      for (let i = 0; i < options.actionsPerWorker; i++) {
        // Fixed, varied durations (2 s to 2 s + 1.2 windows) and one action in five FAILED.
        const n = w * options.actionsPerWorker + i
        const failed = n % 5 === 2
        const action = yield* emu.createAction({
          type: "VOUCHERS.IMPORT",
          durationMillis: Math.round(2000 + (((n * 37) % 100) / 100) * options.windowMillis * 1.2),
          outcome: failed ? "FAILED" : "SUCCESS",
          createdAt: createdAt++
        })
        mine[action.id] = failed ? "AsyncActionFailed" : "DONE"
      }
      expected.push(mine)
    }
    const allIds = emu.state.list({ limit: 100_000 }, Date.now()).async_actions.map((a) => a.id)
    yield* emu.clearRequests
    const startedAt = Date.now()
    const env = (w: number): Record<string, string> => ({
      VOUCHERIFY_API_URL: emu.url,
      VOUCHERIFY_APP_ID: emu.appId,
      VOUCHERIFY_SECRET_KEY: Redacted.value(emu.secretKey),
      VOUCHERIFY_RATE_LIMIT: String(options.limit),
      ...(options.redis === undefined ? {} : { VOUCHERIFY_RATE_LIMIT_REDIS_URL: Redacted.value(options.redis.url) }),
      FLEET_IDS: Object.keys(expected[w] ?? {}).join(","),
      FLEET_PAGE_SIZE: String(options.pageSize),
      FLEET_WINDOW_MS: String(options.windowMillis)
    })
    const fleetKnown: Array<number> = Array.from({ length: options.workers }, () => 0)
    const [workers] = yield* Effect.all(
      [
        Effect.promise(() =>
          Promise.all(
            Array.from({ length: options.workers }, (_, w) =>
              runWorker(env(w), (known) => {
                fleetKnown[w] = known
              })
            )
          )
        ),
        options.during?.(emu, () => fleetKnown) ?? Effect.void
      ],
      { concurrency: "unbounded" }
    )
    const wallMillis = Date.now() - startedAt
    const arrivals = (yield* emu.requests).map((r) => ({
      at: r.at,
      status: r.status,
      ...(r.fault === undefined ? {} : { fault: r.fault })
    }))
    const secrets = [Redacted.value(emu.secretKey), ...(options.redis === undefined ? [] : [options.redis.password])]
    return { arrivals, workers, allIds, expected, secrets, startedAt, wallMillis }
  })

/** The most arrivals in any window of `windowMillis` (sliding, at every arrival). */
export const maxInWindow = (times: ReadonlyArray<number>, windowMillis: number): number => {
  const sorted = [...times].sort((a, b) => a - b)
  let max = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= windowMillis) j++
    max = Math.max(max, i - j + 1)
  }
  return max
}

/** Arrivals per consecutive window from the start (for the report). */
export const perWindow = (times: ReadonlyArray<number>, start: number, windowMillis: number): Array<number> => {
  const counts: Array<number> = []
  for (const t of times) {
    const index = Math.floor((t - start) / windowMillis)
    while (counts.length <= index) counts.push(0)
    counts[index] = (counts[index] ?? 0) + 1
  }
  return counts
}

/** Where the busiest window starts (ms since epoch) and how many it holds. */
export const busiestWindow = (times: ReadonlyArray<number>, windowMillis: number): { start: number; count: number } => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = { start: 0, count: 0 }
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= windowMillis) j++
    if (i - j + 1 > best.count) best = { start: sorted[j] as number, count: i - j + 1 }
  }
  return best
}
