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
 * Each row and mode runs twice: a plain process (default flags, nothing forced: its RSS and heap peaks are
 * the figures) and a probe process (`--expose-gc`, WAITERS_GC_MS=2000) that forces a full GC every 2 s and
 * reads the heap still reachable, which tells live data from garbage (forcing GC changes the RSS peak, so
 * the plain process's peak is the one to quote). Both report, at their RSS peak, how V8's spaces had grown
 * (`atPeakRss`): young generation (new space), old space, code, and memory outside the JS heap.
 *
 * Env of one row: WAITERS_MODE (per-id | shared), WAITERS, MIN_MS/MAX_MS (action durations),
 * POLL_INITIAL_MS/POLL_FACTOR/POLL_MAX_MS (unset: `PollPolicy.defaultSchedule`), LIMIT, TIMEOUT_S,
 * WAITERS_GC_MS (probe: force a full GC this often, needs --expose-gc), WAITERS_SNAPSHOT_DIR (probe: write
 * heap snapshots there, after a forced GC: before the waits, 1 s into them, and when all have returned).
 * Driver env: WAITERS_ROWS (comma list of row names, default both), WAITERS_GC=0 (skip the probe processes).
 */

import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8"
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
      let gcProbe: object | undefined
      if (process.env.WAITERS_GC !== "0") {
        process.stderr.write(`waiters: ${spec.name} ${mode}, probe (full GC every 2 s)…\n`)
        gcProbe = (await runChild(
          fileURLToPath(import.meta.url),
          { ...spec.env, WAITERS_MODE: mode, WAITERS_GC_MS: "2000" },
          ["--expose-gc"]
        )) as object
      }
      rows.push({ row: spec.name, ...row, ...(gcProbe === undefined ? {} : { gcProbe }) })
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

const growth = (from: Sample, to: Sample) => ({
  rssMb: mb(to.rss - from.rss),
  heapTotalMb: mb(to.heapTotal - from.heapTotal),
  heapUsedMb: mb(to.heapUsed - from.heapUsed),
  newSpaceMb: mb(to.newSpace - from.newSpace),
  oldSpaceMb: mb(to.oldSpace - from.oldSpace),
  codeMb: mb(to.code - from.code),
  outsideHeapMb: mb(to.outsideHeap - from.outsideHeap)
})

interface Created {
  readonly id: string
  /** When the server turns it DONE/FAILED (epoch ms). */
  readonly doneAt: number
  readonly outcome: "SUCCESS" | "FAILED"
}

const gc = (globalThis as { gc?: () => void }).gc
const GC_MS = Number(process.env.WAITERS_GC_MS ?? 0)
const probe = GC_MS > 0
if (probe && gc === undefined) throw new Error("WAITERS_GC_MS needs --expose-gc")
const SNAPSHOT_DIR = process.env.WAITERS_SNAPSHOT_DIR
const snapshot = (name: string) => {
  if (SNAPSHOT_DIR === undefined || gc === undefined) return
  gc()
  const path = writeHeapSnapshot(join(SNAPSHOT_DIR, `waiters-${MODE}-${name}.heapsnapshot`))
  process.stderr.write(`waiters: heap snapshot ${path}\n`)
}

// One memory sample: the process, and the committed size of V8's spaces (where the heap's growth lives).
const memory = () => {
  const usage = process.memoryUsage()
  const spaces: Record<string, number> = {}
  for (const space of getHeapSpaceStatistics()) spaces[space.space_name] = space.space_size
  return {
    rss: usage.rss,
    heapTotal: usage.heapTotal,
    heapUsed: usage.heapUsed,
    newSpace: spaces.new_space ?? 0,
    oldSpace: (spaces.old_space ?? 0) + (spaces.large_object_space ?? 0),
    code: (spaces.code_space ?? 0) + (spaces.code_large_object_space ?? 0),
    // Outside the JS heap: native allocations, buffers, the code and stacks of the process.
    outsideHeap: usage.rss - usage.heapTotal
  }
}
type Sample = ReturnType<typeof memory>

const emu = await startEmulator({ rateLimit: LIMIT })
const rssSamples: Array<number> = []
const heapSamples: Array<number> = []
let peakSample: Sample | undefined
const sampler = setInterval(() => {
  const sample = memory()
  rssSamples.push(sample.rss)
  heapSamples.push(sample.heapUsed)
  if (peakSample === undefined || sample.rss > peakSample.rss) peakSample = sample
}, 100)
// Probe: the heap still reachable after a forced full GC, with how many waits were still running then.
let returned = 0
const liveSamples: Array<{ at: number; pending: number; liveMb: number }> = []
let liveBefore = 0
let prober: ReturnType<typeof setInterval> | undefined
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
  if (probe) {
    gc!()
    await new Promise((resolve) => setTimeout(resolve, 100))
    gc!()
    liveBefore = process.memoryUsage().heapUsed
  }
  snapshot("before")
  const before = memory()
  const rssBefore = before.rss
  const heapBefore = before.heapUsed
  peakSample = before
  const cpuBefore = process.cpuUsage()
  const startedAt = Date.now()
  if (probe) {
    prober = setInterval(() => {
      gc!()
      const at = Date.now() - startedAt
      liveSamples.push({ at, pending: WAITERS - returned, liveMb: mb(process.memoryUsage().heapUsed - liveBefore) })
    }, GC_MS)
  }
  const snapshotTimer = setTimeout(() => snapshot("during"), 1000)
  const outcomes = await runtime.runPromise(
    Effect.forEach(
      created,
      (action) =>
        AsyncActions.awaitCompletion(action.id, { schedule, timeout: `${TIMEOUT_S} seconds`, polling }).pipe(
          Effect.either,
          Effect.map((result) => {
            returned++
            return { action, result, returnedAt: Date.now() }
          })
        ),
      { concurrency: "unbounded" }
    )
  )
  const finishedAt = Date.now()
  const cpu = process.cpuUsage(cpuBefore)
  clearTimeout(snapshotTimer)
  clearInterval(prober)
  // Every wait has returned, the client is still up: what it keeps between waits.
  let liveAtEndMb: number | undefined
  if (probe) {
    gc!()
    liveAtEndMb = mb(process.memoryUsage().heapUsed - liveBefore)
  }
  snapshot("end")
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
  // The latest-noticed waits: which action (rank 0 = the newest created, on the list's first page), when it
  // ended and how late its wait returned, to tell a list round that missed it from a slow machine.
  const slowest = outcomes
    .map(({ action, returnedAt }, index) => ({
      newestRank: WAITERS - 1 - index,
      doneAtMs: action.doneAt - startedAt,
      lateMs: returnedAt - action.doneAt
    }))
    .sort((a, b) => b.lateMs - a.lateMs)
    .slice(0, 3)

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
    slowest,
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(Math.max(...rssSamples)),
    peakRssGrowthMb: mb(Math.max(...rssSamples) - rssBefore),
    // The heap in use (garbage included, sampled every 100 ms) tells live data from what V8 has yet to collect.
    peakHeapGrowthMb: mb(Math.max(...heapSamples) - heapBefore),
    // Where the RSS peak's growth sits: V8's young generation, old space, code, or outside the JS heap.
    atPeakRss: growth(before, peakSample ?? before),
    ...(probe
      ? {
          // Heap still reachable after a full GC, over the same figure before the waits (MB).
          liveHeapAfterGcMb: {
            peak: Math.max(...liveSamples.map((sample) => sample.liveMb)),
            atEnd: liveAtEndMb,
            samples: liveSamples
          }
        }
      : {})
  }
  console.log(JSON.stringify(result))
} finally {
  clearInterval(sampler)
  clearInterval(prober)
  await emu.close()
}
