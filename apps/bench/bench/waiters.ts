/**
 * Benchmark 4, run by `run.ts` in a fresh process: 1 000 actions awaited concurrently to completion
 * through one client with the client-side limiter (`RateLimit.layer({ requestsPerMinute: 2000 })`),
 * against an emulator (child process) that enforces 2 000/min itself. Prints one JSON line.
 *
 * Env: WAITERS (1000), MIN_MS/MAX_MS (action durations, 5000/20000), POLL_INITIAL_MS (20000),
 * POLL_FACTOR (1.5), POLL_MAX_MS (30000), LIMIT (2000).
 */

import { AsyncActions, PollPolicy, RateLimit, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Either, Layer, ManagedRuntime, Redacted } from "effect"
import { startEmulator } from "./emulator.js"
import { mb, quantile, round } from "./stats.js"

const WAITERS = Number(process.env.WAITERS ?? 1000)
const MIN_MS = Number(process.env.MIN_MS ?? 5000)
const MAX_MS = Number(process.env.MAX_MS ?? 20000)
const POLL_INITIAL_MS = Number(process.env.POLL_INITIAL_MS ?? 20000)
const POLL_FACTOR = Number(process.env.POLL_FACTOR ?? 1.5)
const POLL_MAX_MS = Number(process.env.POLL_MAX_MS ?? 30000)
const LIMIT = Number(process.env.LIMIT ?? 2000)
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
const sampler = setInterval(() => rssSamples.push(process.memoryUsage().rss), 100)
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
  const schedule = PollPolicy.make({
    initialDelay: `${POLL_INITIAL_MS} millis`,
    factor: POLL_FACTOR,
    maxDelay: `${POLL_MAX_MS} millis`
  })
  const rssBefore = process.memoryUsage().rss
  const startedAt = Date.now()
  const outcomes = await runtime.runPromise(
    Effect.forEach(
      created,
      (action) =>
        AsyncActions.awaitCompletion(action.id, { schedule, timeout: "100 seconds" }).pipe(
          Effect.either,
          Effect.map((result) => ({ action, result, returnedAt: Date.now() }))
        ),
      { concurrency: "unbounded" }
    )
  )
  const finishedAt = Date.now()
  const admitted = await runtime.runPromise(Effect.flatMap(RateLimit.VoucherifyRateLimiter, (l) => l.admitted))
  await runtime.dispose()

  // What the server saw.
  const log = (await emu.admin("GET", "/_emulator/requests")) as ReadonlyArray<{ at: number; status: number }>
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
    waiters: WAITERS,
    actionMillis: [MIN_MS, MAX_MS],
    pollPolicy: { initialMs: POLL_INITIAL_MS, factor: POLL_FACTOR, maxMs: POLL_MAX_MS, jittered: true },
    limitPerMinute: LIMIT,
    wallSeconds: round((finishedAt - startedAt) / 1000, 1),
    requestsSent: log.length,
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
    peakRssGrowthMb: mb(Math.max(...rssSamples) - rssBefore)
  }
  console.log(JSON.stringify(result))
} finally {
  clearInterval(sampler)
  await emu.close()
}
