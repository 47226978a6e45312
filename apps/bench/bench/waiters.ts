/**
 * Benchmark 4, run by `run.ts`: many actions awaited concurrently to completion through one client with
 * the client-side limiter, against an emulator (child process) that enforces the same limit itself, per-id
 * polling and the shared poller side by side in the same run. Prints one JSON line: `{ rows }`.
 *
 * Without `WAITERS_MODE` this file is the driver: it runs each row below in a fresh process of its own
 * (so RSS growth is the row's) and collects their lines. The rows:
 * - `1000@2000/min`: 1 000 waits on 5–20 s actions under 2 000/min, poll policy 20 s ×1.5 to 30 s (as §4).
 * - `50@100/min`: 50 waits on 30–90 s actions under 100/min (the Business plan), the default poll policy.
 *
 * Env of one row: WAITERS_MODE (per-id | shared), WAITERS, MIN_MS/MAX_MS (action durations),
 * POLL_INITIAL_MS/POLL_FACTOR/POLL_MAX_MS (unset: `PollPolicy.defaultSchedule`), LIMIT, TIMEOUT_S.
 * Driver env: WAITERS_ROWS (comma list of row names, default both).
 */

import { fileURLToPath } from "node:url"
import { AsyncActions, PollPolicy, RateLimit, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Either, Layer, ManagedRuntime, Redacted } from "effect"
import { runChild, startEmulator } from "./emulator.js"
import { mb, quantile, round } from "./stats.js"

const MODE = process.env.WAITERS_MODE

interface RowSpec {
  readonly name: string
  readonly env: Record<string, string>
}

const rowSpecs: ReadonlyArray<RowSpec> = [
  {
    name: "1000@2000/min",
    env: {
      WAITERS: "1000",
      MIN_MS: "5000",
      MAX_MS: "20000",
      POLL_INITIAL_MS: "20000",
      POLL_FACTOR: "1.5",
      POLL_MAX_MS: "30000",
      LIMIT: "2000",
      TIMEOUT_S: "100"
    }
  },
  { name: "50@100/min", env: { WAITERS: "50", MIN_MS: "30000", MAX_MS: "90000", LIMIT: "100", TIMEOUT_S: "600" } }
]

if (MODE === undefined) {
  const wanted = process.env.WAITERS_ROWS?.split(",")
  const rows: Array<Record<string, unknown>> = []
  for (const spec of rowSpecs) {
    if (wanted !== undefined && !wanted.includes(spec.name)) continue
    // Same run, one after the other: per-id first, then shared, each in a fresh process.
    for (const mode of ["per-id", "shared"] as const) {
      process.stderr.write(`waiters: ${spec.name} ${mode}…\n`)
      const row = (await runChild(fileURLToPath(import.meta.url), { ...spec.env, WAITERS_MODE: mode })) as object
      rows.push({ row: spec.name, ...row })
    }
  }
  console.log(JSON.stringify({ rows }))
  process.exit(0)
}

const WAITERS = Number(process.env.WAITERS ?? 1000)
const MIN_MS = Number(process.env.MIN_MS ?? 5000)
const MAX_MS = Number(process.env.MAX_MS ?? 20000)
// Unset: the library's default schedule (1 s growing 1.5× to 15 s, jittered).
const customPolicy = process.env.POLL_INITIAL_MS !== undefined
const POLL_INITIAL_MS = Number(process.env.POLL_INITIAL_MS ?? 1000)
const POLL_FACTOR = Number(process.env.POLL_FACTOR ?? 1.5)
const POLL_MAX_MS = Number(process.env.POLL_MAX_MS ?? 15000)
const LIMIT = Number(process.env.LIMIT ?? 2000)
const TIMEOUT_S = Number(process.env.TIMEOUT_S ?? 100)
const polling: AsyncActions.Polling = MODE === "shared" ? "shared" : "per-id"
const WINDOW = 60_000

// mulberry32, so every run asks for the same durations.
const prng = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Created {
  readonly id: string
  /** When the server turns it DONE/FAILED (epoch ms). */
  readonly doneAt: number
  readonly outcome: "SUCCESS" | "FAILED"
}

const emu = await startEmulator({ rateLimit: LIMIT })
const rssSamples: Array<number> = []
const heapSamples: Array<number> = []
const sampler = setInterval(() => {
  const usage = process.memoryUsage()
  rssSamples.push(usage.rss)
  heapSamples.push(usage.heapUsed)
}, 100)
try {
  const next = prng(7)
  const created: Array<Created> = []
  for (let i = 0; i < WAITERS; i++) {
    const duration = Math.round(MIN_MS + next() * (MAX_MS - MIN_MS))
    const outcome = next() < 0.05 ? "FAILED" : "SUCCESS"
    const wire = (await emu.admin("POST", "/_emulator/async-actions", {
      type: "VOUCHERS.IMPORT",
      duration_ms: duration,
      start_after_ms: 0,
      outcome
    })) as { id: string; created_at: string }
    created.push({ id: wire.id, doneAt: Date.parse(wire.created_at) + duration, outcome })
  }
  await emu.admin("DELETE", "/_emulator/requests")

  const layer = AsyncActions.layer.pipe(
    Layer.provideMerge(
      VoucherifyClient.layer({ apiUrl: emu.url, appId: emu.appId, secretKey: Redacted.make(emu.secretKey) })
    ),
    Layer.provideMerge(RateLimit.layer({ requestsPerMinute: LIMIT })),
    Layer.provide(NodeTransport.layer)
  )
  const runtime = ManagedRuntime.make(layer)
  await runtime.runPromise(Effect.void)
  const schedule = customPolicy
    ? PollPolicy.make({
        initialDelay: `${POLL_INITIAL_MS} millis`,
        factor: POLL_FACTOR,
        maxDelay: `${POLL_MAX_MS} millis`
      })
    : PollPolicy.defaultSchedule
  const rssBefore = process.memoryUsage().rss
  const heapBefore = process.memoryUsage().heapUsed
  const cpuBefore = process.cpuUsage()
  const startedAt = Date.now()
  const outcomes = await runtime.runPromise(
    Effect.forEach(
      created,
      (action) =>
        AsyncActions.awaitCompletion(action.id, { schedule, timeout: `${TIMEOUT_S} seconds`, polling }).pipe(
          Effect.either,
          Effect.map((result) => ({ action, result, returnedAt: Date.now() }))
        ),
      { concurrency: "unbounded" }
    )
  )
  const finishedAt = Date.now()
  const cpu = process.cpuUsage(cpuBefore)
  const admitted = await runtime.runPromise(Effect.flatMap(RateLimit.VoucherifyRateLimiter, (l) => l.admitted))
  await runtime.dispose()

  // What the server saw.
  const log = (await emu.admin("GET", "/_emulator/requests")) as ReadonlyArray<{
    at: number
    status: number
    path: string
  }>
  const times = log.map((entry) => entry.at).sort((a, b) => a - b)
  let maxInWindow = 0
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= WINDOW) lo++
    maxInWindow = Math.max(maxInWindow, hi - lo + 1)
  }
  // Where the excess comes from, if any: the limiter stamps a request when it is admitted, the server
  // when it arrives. Arrivals of the first burst spread out; a request admitted 60 s after the first
  // admission can then land within 60 s of a late arrival.
  const firstBurst = times.slice(0, Math.min(WAITERS, times.length))
  const firstBurstArrivalSpreadMs = firstBurst.length === 0 ? 0 : firstBurst.at(-1)! - firstBurst[0]!
  const statuses: Record<string, number> = {}
  for (const entry of log) statuses[entry.status] = (statuses[entry.status] ?? 0) + 1

  // Correctness and latency: every waiter ends as its action did, and how late it noticed.
  let wrong = 0
  const delays: Array<number> = []
  for (const { action, result, returnedAt } of outcomes) {
    const ok =
      action.outcome === "SUCCESS"
        ? Either.isRight(result) && result.right.status === "DONE"
        : Either.isLeft(result) && result.left._tag === "AsyncActionFailed"
    if (!ok) wrong++
    delays.push(returnedAt - action.doneAt)
  }

  // The fewest requests any schedule needs: one immediate poll, plus one at or after DONE when the
  // action was not finished at that first poll. And the schedule's own count without throttling or
  // jitter (its mean delays), to compare with what was actually sent.
  let floor = 0
  let scheduleOwn = 0
  for (const action of created) {
    floor += action.doneAt <= startedAt ? 1 : 2
    let t = startedAt
    let delay = POLL_INITIAL_MS
    let polls = 1
    while (t < action.doneAt) {
      t += Math.min(delay, POLL_MAX_MS)
      delay *= POLL_FACTOR
      polls++
    }
    scheduleOwn += polls
  }
  const result = {
    polling,
    waiters: WAITERS,
    actionMillis: [MIN_MS, MAX_MS],
    pollPolicy: {
      initialMs: POLL_INITIAL_MS,
      factor: POLL_FACTOR,
      maxMs: POLL_MAX_MS,
      jittered: true,
      default: !customPolicy
    },
    limitPerMinute: LIMIT,
    wallSeconds: round((finishedAt - startedAt) / 1000, 1),
    requestsSent: log.length,
    requestsPerAction: round(log.length / WAITERS, 2),
    listRequests: log.filter((entry) => entry.path === "/v1/async-actions").length,
    clientCpuSeconds: round((cpu.user + cpu.system) / 1e6, 1),
    limiterAdmitted: admitted,
    minimumRequests: floor,
    scheduleRequestsUnthrottled: scheduleOwn,
    maxRequestsInAnySliding60s: maxInWindow,
    limitExceeded: maxInWindow > LIMIT,
    status429: statuses["429"] ?? 0,
    firstBurstArrivalSpreadMs,
    statuses,
    wrongOutcomes: wrong,
    doneToReturnMs: {
      median: Math.round(quantile(delays, 0.5)),
      p95: Math.round(quantile(delays, 0.95)),
      max: Math.max(...delays),
      min: Math.min(...delays)
    },
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(Math.max(...rssSamples)),
    peakRssGrowthMb: mb(Math.max(...rssSamples) - rssBefore),
    // The heap in use (garbage included, sampled every 100 ms) tells live data from what V8 has yet to collect.
    peakHeapGrowthMb: mb(Math.max(...heapSamples) - heapBefore)
  }
  console.log(JSON.stringify(result))
} finally {
  clearInterval(sampler)
  await emu.close()
}
