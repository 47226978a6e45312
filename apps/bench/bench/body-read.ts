/**
 * Diagnosis helper, not part of `pnpm bench`: how the way a response body is read changes peak heap growth
 * over a long walk (BENCHMARKS.md, section 5). Walks the whole seeded history with `JSON.parse` only, in one
 * of several loop shapes, and prints the peak heap growth over the baseline. One shape per process:
 *   node --expose-gc --import tsx bench/body-read.ts <shape> [actions=300000]
 * Shapes: chain | effect-chain | effect-chain-signal | effect-two-steps | effect-two-steps-eager | platform |
 * node-transport (the same `execute` + `text` on NodeTransport) | library-list (`AsyncActions.list` in a loop, on
 * NodeTransport) | library-list-untraced (the same with the tracer disabled)
 */
import { createRequire } from "node:module"
import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Layer, Redacted } from "effect"
import { startEmulator } from "./emulator.js"

interface UndiciResponse {
  readonly body: { readonly text: () => Promise<string> }
}
interface Undici {
  readonly request: (
    url: string,
    options: { headers: Record<string, string>; signal?: AbortSignal }
  ) => Promise<UndiciResponse>
}
// The undici that @effect/platform-node itself uses.
const requireFromPlatform = createRequire(createRequire(import.meta.url).resolve("@effect/platform-node/package.json"))
const undici = requireFromPlatform("undici") as Undici

const [shape = "platform", actions = "300000"] = process.argv.slice(2)
const emu = await startEmulator({ seed: Number(actions) })
const headers = { "x-app-id": emu.appId, "x-app-token": emu.secretKey }
const pageUrl = (endDate: string | undefined) =>
  `${emu.url}/v1/async-actions?limit=100${endDate === undefined ? "" : `&end_date=${encodeURIComponent(endDate)}`}`

interface WirePage {
  readonly async_actions: ReadonlyArray<{ readonly id: string; readonly created_at: string }>
  readonly has_more?: boolean
}
// The same cursor as the benchmark's contenders: oldest created_at + 1 ms, boundary ids skipped.
const step = (page: WirePage, boundary: ReadonlySet<string>) => {
  let oldest = Number.POSITIVE_INFINITY
  let fresh = 0
  for (const item of page.async_actions) {
    const at = Date.parse(item.created_at)
    if (at < oldest) oldest = at
    if (!boundary.has(item.id)) fresh++
  }
  const next = new Set<string>()
  for (const item of page.async_actions) if (Date.parse(item.created_at) <= oldest + 1) next.add(item.id)
  const done = page.async_actions.length === 0 || page.has_more === false
  return { fresh, next, endDate: done ? undefined : new Date(oldest + 1).toISOString() }
}

const walkPromise = async (text: (endDate: string | undefined) => Promise<string>) => {
  let endDate: string | undefined
  let boundary: ReadonlySet<string> = new Set()
  let count = 0
  for (;;) {
    const s = step(JSON.parse(await text(endDate)) as WirePage, boundary)
    count += s.fresh
    boundary = s.next
    if (s.endDate === undefined) return count
    endDate = s.endDate
  }
}

const walkEffect = (text: (endDate: string | undefined) => Effect.Effect<string, unknown>) =>
  Effect.gen(function* () {
    let endDate: string | undefined
    let boundary: ReadonlySet<string> = new Set()
    let count = 0
    for (;;) {
      const s = step(JSON.parse(yield* text(endDate)) as WirePage, boundary)
      count += s.fresh
      boundary = s.next
      if (s.endDate === undefined) return count
      endDate = s.endDate
    }
  })

const chained = (endDate: string | undefined, signal?: AbortSignal) =>
  undici.request(pageUrl(endDate), signal === undefined ? { headers } : { headers, signal }).then((r) => r.body.text())

// The same walk through the library's `list`, paging by the decoded `createdAt`.
const libraryList = Effect.gen(function* () {
  let endDate: Date | undefined
  let count = 0
  let boundary: ReadonlySet<string> = new Set()
  for (;;) {
    const page = yield* AsyncActions.list(endDate === undefined ? { limit: 100 } : { limit: 100, endDate })
    let oldest = Number.POSITIVE_INFINITY
    for (const action of page.asyncActions) {
      if (action.createdAt.epochMillis < oldest) oldest = action.createdAt.epochMillis
      if (!boundary.has(action.id)) count++
    }
    if (page.asyncActions.length === 0 || !page.hasMore) return count
    boundary = new Set(page.asyncActions.filter((a) => a.createdAt.epochMillis <= oldest + 1).map((a) => a.id))
    endDate = new Date(oldest + 1)
  }
}).pipe(
  Effect.provide(
    AsyncActions.layer.pipe(
      Layer.provide(
        VoucherifyClient.layer({ apiUrl: emu.url, appId: emu.appId, secretKey: Redacted.make(emu.secretKey) })
      ),
      Layer.provide(NodeTransport.layer)
    )
  )
)

const platformLoop = (transport: Layer.Layer<HttpClient.HttpClient>) =>
  Effect.runPromise(
    Effect.flatMap(HttpClient.HttpClient, (client) => {
      const http = HttpClient.withTracerDisabledWhen(client, () => true)
      return walkEffect((endDate) =>
        Effect.scoped(Effect.flatMap(http.get(pageUrl(endDate), { headers }), (r) => r.text))
      )
    }).pipe(Effect.provide(transport))
  )

const run = (): Promise<number> => {
  switch (shape) {
    case "chain":
      return walkPromise((endDate) => chained(endDate))
    case "effect-chain":
      return Effect.runPromise(walkEffect((endDate) => Effect.promise(() => chained(endDate))))
    case "effect-chain-signal":
      return Effect.runPromise(
        walkEffect((endDate) => Effect.promise(() => chained(endDate, new AbortController().signal)))
      )
    case "effect-two-steps":
      return Effect.runPromise(
        walkEffect((endDate) =>
          Effect.flatMap(
            Effect.promise(() => undici.request(pageUrl(endDate), { headers })),
            (r) => Effect.promise(() => r.body.text())
          )
        )
      )
    case "effect-two-steps-eager":
      return Effect.runPromise(
        walkEffect((endDate) =>
          Effect.flatMap(
            Effect.promise(() => undici.request(pageUrl(endDate), { headers }).then((r) => ({ text: r.body.text() }))),
            (started) => Effect.promise(() => started.text)
          )
        )
      )
    case "platform":
      return platformLoop(NodeHttpClient.layerUndici)
    case "node-transport":
      return platformLoop(NodeTransport.layer)
    case "library-list":
      return Effect.runPromise(libraryList)
    case "library-list-untraced":
      return Effect.runPromise(Effect.withTracerEnabled(libraryList, false))
    default:
      throw new Error(`unknown shape ${shape}`)
  }
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
gc()
const baseline = process.memoryUsage().heapUsed
let peak = baseline
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().heapUsed)
}, 20)
const count = await run()
clearInterval(sampler)
await emu.close()
if (count !== Number(actions)) throw new Error(`walked ${count}, expected ${actions}`)
console.log(`${shape}: ${count} actions, peak heap growth ${((peak - baseline) / 1e6).toFixed(0)} MB`)
