/**
 * `pnpm bench:soak` (about 5–10 minutes on a busy 2-core VM; too long for `pnpm bench`, whose `run.ts` runs
 * it only with BENCH_ONLY=soak): does a long run retain memory? In ONE process (node --expose-gc), against
 * the emulator in a child process on loopback, through one `ManagedRuntime` on NodeTransport:
 *   1. SOAK_GETS (200 000) sequential `AsyncActions.get`s, cycling over the ids of the history, in one effect;
 *   2. one `AsyncActions.stream` over SOAK_ACTIONS (1 000 000) seeded actions (10 000 pages of 100).
 * At every 10% of each phase it forces full GCs and reads the heap still reachable; the figure is the rise
 * from the 10% sample to the 100% sample (the first 10% includes one-off growth: JIT code, caches), also
 * given per request / per page, plus a least-squares slope over the ten samples. RSS is sampled every 20 ms
 * as well (it is blurred by the forced GCs: `memory.ts` is the RSS figure).
 * Prints a table and one JSON line; writes results/soak.json (commit recorded).
 * Env: SOAK_GETS, SOAK_ACTIONS, SOAK_PHASES=get,stream, SOAK_TRACER=off (tracing disabled, for diagnosis).
 */
import { loadavg } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { startEmulator } from "./emulator.js"
import { gitRevision, mb, round, table, writeResults } from "./stats.js"

const here = dirname(fileURLToPath(import.meta.url))
const GETS = Number(process.env.SOAK_GETS ?? 200_000)
const ACTIONS = Number(process.env.SOAK_ACTIONS ?? 1_000_000)
const phases = (process.env.SOAK_PHASES ?? "get,stream").split(",")
const untraced = process.env.SOAK_TRACER === "off"
const gcFn = (globalThis as { gc?: () => void }).gc
if (gcFn === undefined) throw new Error("run with node --expose-gc")
const fullGc = () => {
  gcFn()
  gcFn()
}

const emu = await startEmulator({ seed: ACTIONS })
const layer = AsyncActions.layer.pipe(
  Layer.provide(VoucherifyClient.layer({ apiUrl: emu.url, appId: emu.appId, secretKey: Redacted.make(emu.secretKey) })),
  Layer.provide(NodeTransport.layer)
)
const runtime = ManagedRuntime.make(layer)
const run = <A>(effect: Effect.Effect<A, unknown, AsyncActions.AsyncActions>) =>
  runtime.runPromise(untraced ? Effect.withTracerEnabled(effect, false) : effect)

// The ids to get: the newest 10 000 actions, from the emulator's first pages (fetched before the baseline).
const ids = await run(
  AsyncActions.stream({ pageSize: 100 }).pipe(
    Stream.take(10_000),
    Stream.map((action) => action.id),
    Stream.runCollect
  )
).then((chunk) => [...chunk])

let peakRss = 0
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}, 20)

interface Sample {
  readonly percent: number
  readonly done: number
  readonly heapAfterGcBytes: number
  readonly rssBytes: number
  readonly seconds: number
}

interface PhaseResult {
  readonly phase: string
  readonly units: number
  readonly unit: string
  readonly seconds: number
  readonly baselineHeapBytes: number
  readonly baselineRssBytes: number
  readonly samples: ReadonlyArray<Sample>
  /** Heap after full GC at 100% minus at 10%. */
  readonly growth10To100Bytes: number
  readonly bytesPerUnit10To100: number
  /** Least-squares slope of heap-after-GC over the ten samples, in bytes per unit. */
  readonly slopeBytesPerUnit: number
  readonly peakRssGrowthBytes: number
  readonly loadAverage: ReadonlyArray<number>
}

const soakPhase = async (
  phase: string,
  unit: string,
  units: number,
  unitsPerTick: number,
  body: (tick: () => void) => Effect.Effect<number, unknown, AsyncActions.AsyncActions>
): Promise<PhaseResult> => {
  // Settle: the request log of the emulator is emptied at every sample (it lives in the other process).
  await emu.admin("DELETE", "/_emulator/requests")
  fullGc()
  await new Promise((resolve) => setTimeout(resolve, 200))
  fullGc()
  const baseline = process.memoryUsage()
  peakRss = baseline.rss
  const samples: Array<Sample> = []
  const load = [loadavg()[0]!]
  const start = Date.now()
  let done = 0
  const every = Math.round(units / 10)
  // Synchronous on purpose: the full GC runs inside the running effect, between two requests.
  const tick = () => {
    done += unitsPerTick
    if (done % every !== 0) return
    fullGc()
    const memory = process.memoryUsage()
    samples.push({
      percent: Math.round((done / units) * 100),
      done,
      heapAfterGcBytes: memory.heapUsed - baseline.heapUsed,
      rssBytes: memory.rss - baseline.rss,
      seconds: round((Date.now() - start) / 1000, 1)
    })
    load.push(loadavg()[0]!)
    process.stderr.write(`${phase} ${samples.at(-1)!.percent}% heap +${mb(samples.at(-1)!.heapAfterGcBytes)} MB\n`)
  }
  const count = await run(body(tick))
  const seconds = (Date.now() - start) / 1000
  if (count !== units) throw new Error(`${phase}: ${count} ${unit}s, expected ${units}`)
  if (samples.length !== 10) throw new Error(`${phase}: ${samples.length} samples, expected 10`)
  const first = samples[0]!
  const last = samples.at(-1)!
  const xs = samples.map((s) => s.done)
  const ys = samples.map((s) => s.heapAfterGcBytes)
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  const slope =
    xs.reduce((acc, x, i) => acc + (x - mx) * (ys[i]! - my), 0) / xs.reduce((acc, x) => acc + (x - mx) ** 2, 0)
  return {
    phase,
    units,
    unit,
    seconds: round(seconds, 1),
    baselineHeapBytes: baseline.heapUsed,
    baselineRssBytes: baseline.rss,
    samples,
    growth10To100Bytes: last.heapAfterGcBytes - first.heapAfterGcBytes,
    bytesPerUnit10To100: round((last.heapAfterGcBytes - first.heapAfterGcBytes) / (last.done - first.done), 2),
    slopeBytesPerUnit: round(slope, 2),
    peakRssGrowthBytes: peakRss - baseline.rss,
    loadAverage: load.map((x) => round(x, 2))
  }
}

const results: Array<PhaseResult> = []
try {
  if (phases.includes("get")) {
    results.push(
      await soakPhase("get", "request", GETS, 1, (tick) => {
        let got = 0
        return Effect.map(
          Effect.loop(0, {
            while: (i) => i < GETS,
            step: (i) => i + 1,
            discard: true,
            body: (i) =>
              Effect.map(AsyncActions.get(ids[i % ids.length]!), (action) => {
                if (action.id === ids[i % ids.length]) got++
                tick()
              })
          }),
          () => got
        )
      })
    )
  }
  if (phases.includes("stream")) {
    // Counted per page (100 actions): a tick per action would cost more than the stream itself.
    results.push(
      await soakPhase("stream", "page", ACTIONS / 100, 1, (tick) =>
        AsyncActions.stream({ pageSize: 100 }).pipe(
          Stream.mapChunks((chunk) => {
            tick()
            return chunk
          }),
          Stream.runCount,
          Effect.map((n) => n / 100)
        )
      )
    )
  }
} finally {
  clearInterval(sampler)
  await runtime.dispose()
  await emu.close()
}

console.log(
  table([
    [
      "phase",
      "units",
      "seconds",
      "heap after GC at 10% MB",
      "at 100% MB",
      "10%→100% MB",
      "bytes per unit (10%→100%)",
      "LSQ slope bytes/unit",
      "peak RSS growth MB (GCs forced)"
    ],
    ...results.map((r) => [
      r.phase,
      `${r.units} ${r.unit}s`,
      r.seconds.toFixed(1),
      mb(r.samples[0]!.heapAfterGcBytes).toFixed(2),
      mb(r.samples.at(-1)!.heapAfterGcBytes).toFixed(2),
      mb(r.growth10To100Bytes).toFixed(2),
      r.bytesPerUnit10To100.toFixed(1),
      r.slopeBytesPerUnit.toFixed(1),
      mb(r.peakRssGrowthBytes).toFixed(1)
    ])
  ])
)

const revision = gitRevision()
const output = {
  generatedAt: new Date().toISOString(),
  ...revision,
  node: process.version,
  gets: GETS,
  actions: ACTIONS,
  tracer: untraced ? "disabled" : "default",
  targetGrowthBytes: 1024 * 1024,
  phases: results
}
if (process.env.SOAK_WRITE !== "0" && GETS === 200_000 && ACTIONS === 1_000_000 && !untraced) {
  writeResults(join(here, "..", "results", "soak.json"), output)
}
console.log(JSON.stringify(output))
