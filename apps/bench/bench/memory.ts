/**
 * Benchmark 5, run by `run.ts` in a fresh process per history size (with --expose-gc): streams every
 * seeded action through `AsyncActions.stream` (or, with MODE=floor, through the floor's `undici.request` +
 * JSON.parse loop, for what Node itself does with the same traffic) and reports how far RSS and heap rose above the baseline
 * taken after a warm-up page. Prints one JSON line.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { undiciFloor } from "./contenders.js"
import { mb, round } from "./stats.js"

const expected = Number(process.env.EXPECTED)
const raw = process.env.MODE === "floor"
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const layer = AsyncActions.layer.pipe(
  Layer.provide(
    VoucherifyClient.layer({
      apiUrl: process.env.EMU_URL!,
      appId: process.env.EMU_APP_ID!,
      secretKey: Redacted.make(process.env.EMU_SECRET!)
    })
  ),
  // TRANSPORT=undici: the platform's undici client instead of NodeTransport.
  Layer.provide(process.env.TRANSPORT === "undici" ? NodeHttpClient.layerUndici : NodeTransport.layer)
)
const runtime = ManagedRuntime.make(layer)
// The floor only needs the emulator's address and credentials.
const rawHeaders = { "X-App-Id": process.env.EMU_APP_ID!, "X-App-Token": process.env.EMU_SECRET! }
const rawLoop = undiciFloor({ url: process.env.EMU_URL!, headers: rawHeaders })
// Warm up: load modules, open the connection, decode one page (and a few more), then settle.
if (raw) {
  // Warm the same code on the loop's own connection: five gets of the newest action.
  const first = (await (
    await fetch(`${process.env.EMU_URL}/v1/async-actions?limit=1`, { headers: rawHeaders })
  ).json()) as {
    async_actions: ReadonlyArray<{ id: string }>
  }
  await rawLoop.getEach(Array.from({ length: 5 }, () => first.async_actions[0]!.id))
} else await runtime.runPromise(AsyncActions.stream({ pageSize: 100 }).pipe(Stream.take(500), Stream.runDrain))
gc()
await new Promise((resolve) => setTimeout(resolve, 200))
gc()
const baseline = process.memoryUsage()
let peakRss = baseline.rss
let peakHeap = baseline.heapUsed
const sample = () => {
  const now = process.memoryUsage()
  peakRss = Math.max(peakRss, now.rss)
  peakHeap = Math.max(peakHeap, now.heapUsed)
}
const sampler = setInterval(sample, 20)
// A second figure that GC timing cannot blur: the heap still reachable after a forced full GC, taken
// every 10 000 actions while streaming (only in GC_PROBE=1 runs, since forcing GC changes the RSS peak).
const probe = process.env.GC_PROBE === "1"
const retained: Array<number> = []
let seen = 0
const start = Date.now()
const onAction = () => {
  seen++
  if (seen % 100 === 0) sample()
  if (probe && seen % 10_000 === 0) {
    gc()
    retained.push(mb(process.memoryUsage().heapUsed - baseline.heapUsed))
  }
}
const count = raw
  ? await rawLoop.listAll({ push: onAction })
  : await runtime.runPromise(
      AsyncActions.stream({ pageSize: 100 }).pipe(
        Stream.tap(() => Effect.sync(onAction)),
        Stream.runCount
      )
    )
const seconds = (Date.now() - start) / 1000
clearInterval(sampler)
sample()
await runtime.dispose()
await rawLoop.dispose()
if (count !== expected) throw new Error(`streamed ${count}, expected ${expected}`)
console.log(
  JSON.stringify({
    actions: count,
    seconds: round(seconds, 1),
    baselineRssMb: mb(baseline.rss),
    peakRssMb: mb(peakRss),
    rssGrowthMb: mb(peakRss - baseline.rss),
    heapGrowthMb: mb(peakHeap - baseline.heapUsed),
    ...(probe ? { retainedAfterGcMbEvery10k: retained } : {})
  })
)
