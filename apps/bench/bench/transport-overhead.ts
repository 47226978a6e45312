/**
 * Diagnosis helper, not part of `pnpm bench`: where a list page's client CPU goes on real sockets, from the
 * floor up to the library's stream, one layer at a time (transport, abort signal, Effect runtime, decoding,
 * the client's span/deadline/limiter, the stream), plus the generic `HttpClient.execute` path for reference. Every variant walks the emulator's 10 000-action
 * history (102 pages) with the same cursor; rounds are interleaved (each round runs every variant, in a
 * random order drawn per round) and the median CPU per page is printed, with its median ratio to the floor's.
 *   tsx bench/transport-overhead.ts            (ROUNDS=<n>, ONLY=<comma-separated prefixes>)
 */
import { createRequire } from "node:module"
import { HttpClient } from "@effect/platform"
import { AsyncActionList, BufferedGet } from "@voucherify-effect/core"
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Context, DateTime, Effect, Either, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { clientWalk } from "./clientWalk.js"
import { paginate, undiciFloor } from "./contenders.js"
import { startEmulator } from "./emulator.js"
import { median } from "./stats.js"

interface Dispatcher {
  readonly request: (options: Record<string, unknown>) => Promise<{
    readonly statusCode: number
    readonly body: { readonly bytes: () => Promise<Uint8Array>; readonly text: () => Promise<string> }
  }>
  readonly close: () => Promise<void>
}
const requireFromPlatform = createRequire(createRequire(import.meta.url).resolve("@effect/platform-node/package.json"))
const undici = requireFromPlatform("undici") as { readonly Agent: new () => Dispatcher }

const ROUNDS = Number(process.env.ROUNDS ?? 20)
const emu = await startEmulator({ seed: 10_000 })
const origin = new URL(emu.url).origin
const pathOf = (endDate: string | undefined) =>
  `/v1/async-actions?limit=100${endDate === undefined ? "" : `&end_date=${encodeURIComponent(endDate)}`}`
const libraryHeaders = {
  accept: "application/json",
  "user-agent": "voucherify-effect/0.0.0",
  "x-voucherify-channel": "voucherify-effect/0.0.0",
  "x-app-id": emu.appId,
  "x-app-token": emu.secretKey
}
const utf8 = new TextDecoder()

const agent = new undici.Agent()
const dispatcherLoop =
  (signal: "none" | "AbortController" | "BufferedGet.Abort", headers: Record<string, string>) =>
  async (): Promise<number> =>
    paginate(async (endDate) => {
      const response = await agent.request({
        origin,
        path: pathOf(endDate),
        method: "GET",
        headers,
        body: null,
        ...(signal === "AbortController"
          ? { signal: new AbortController().signal }
          : signal === "BufferedGet.Abort"
            ? { signal: new BufferedGet.Abort() }
            : {}),
        headersTimeout: 60 * 60 * 1000,
        bodyTimeout: 0
      })
      return JSON.parse(utf8.decode(await response.body.bytes()))
    })

interface WirePage {
  readonly async_actions: ReadonlyArray<{ readonly id: string; readonly created_at: string }>
  readonly has_more?: boolean | undefined
}
// The same cursor as `paginate`, as an Effect loop (one fiber, no promise per page).
const walk = <E, R>(fetchPage: (endDate: string | undefined) => Effect.Effect<WirePage, E, R>) =>
  Effect.gen(function* () {
    let endDate: string | undefined
    let boundary = new Set<string>()
    let count = 0
    for (;;) {
      const page = yield* fetchPage(endDate)
      let oldest = Number.POSITIVE_INFINITY
      for (const item of page.async_actions) {
        const at = Date.parse(item.created_at)
        if (at < oldest) oldest = at
        if (!boundary.has(item.id)) count++
      }
      if (page.async_actions.length === 0 || page.has_more === false) return count
      const next = new Set<string>()
      for (const item of page.async_actions) if (Date.parse(item.created_at) <= oldest + 1) next.add(item.id)
      boundary = next
      endDate = new Date(oldest + 1).toISOString()
    }
  })

const layer = AsyncActions.layer.pipe(
  Layer.provideMerge(
    VoucherifyClient.layer({ apiUrl: emu.url, appId: emu.appId, secretKey: Redacted.make(emu.secretKey) })
  ),
  Layer.provideMerge(NodeTransport.layer)
)
const runtime = ManagedRuntime.make(layer)
// The same client on the same transport behind a middleware that changes nothing: `HttpClient.execute`
// with the platform's request and response objects (what every transport but NodeTransport goes through).
const executeRuntime = ManagedRuntime.make(
  VoucherifyClient.layer({ apiUrl: emu.url, appId: emu.appId, secretKey: Redacted.make(emu.secretKey) }).pipe(
    Layer.provide(
      Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, (http) => HttpClient.mapRequest(http, (request) => request))
      ).pipe(Layer.provide(NodeTransport.layer))
    )
  )
)
const floor = undiciFloor(emu)
const transport = await runtime.runPromise(HttpClient.HttpClient)
const bufferedGet = BufferedGet.fromClient(transport)!

// NodeTransport's GET shortcut in one `Effect.async`, as the client calls it; `decode` turns the text into
// the walk's page.
const shortcutLoop = (decode: (text: string) => WirePage) => () =>
  runtime.runPromise(
    walk((endDate) =>
      Effect.async<WirePage>((resume) => {
        bufferedGet({
          origin,
          path: pathOf(endDate),
          headers: libraryHeaders,
          signal: new BufferedGet.Abort(),
          maxResponseBytes: 4 * 1024 * 1024,
          context: Context.empty()
        }).then((answer) => resume(Effect.succeed(decode(answer.body._tag === "Read" ? answer.body.text : ""))))
      })
    )
  )

// A decoded page, read back as the walk's wire page (the cursor needs only ids and creation times).
const asWire = (page: AsyncActionList.AsyncActionList): WirePage => ({
  async_actions: page.asyncActions.map((a) => ({ id: a.id, created_at: DateTime.formatIso(a.createdAt) })),
  has_more: page.hasMore
})

const clientLoop = (run: ManagedRuntime.ManagedRuntime<VoucherifyClient.VoucherifyClient, unknown>) => () =>
  run.runPromise(clientWalk)

const variants: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
  ["floor: undici.request + text + JSON.parse", () => floor.listAll()],
  ["Agent.request + bytes + TextDecoder + JSON.parse", dispatcherLoop("none", emu.headers)],
  ["  + the library's five headers", dispatcherLoop("none", libraryHeaders)],
  ["  + an AbortController's signal per request", dispatcherLoop("AbortController", libraryHeaders)],
  ["  + a BufferedGet.Abort per request instead (the library's)", dispatcherLoop("BufferedGet.Abort", libraryHeaders)],
  ["NodeTransport's BufferedGet in Effect.async + JSON.parse, Effect loop", shortcutLoop((text) => JSON.parse(text))],
  [
    "  + AsyncActionList.decodeJson instead of JSON.parse",
    shortcutLoop((text) => asWire(Either.getOrThrow(AsyncActionList.decodeJson(text))))
  ],
  ["VoucherifyClient.get (decodeJson) + Pagination.advance, Effect loop", clientLoop(runtime)],
  ["AsyncActions.stream (the library)", () => runtime.runPromise(Stream.runCount(AsyncActions.stream()))],
  ["(reference) the same client loop through HttpClient.execute", clientLoop(executeRuntime)]
]
const only = process.env.ONLY?.split(",")
const picked = variants.filter(([n], i) => i === 0 || only === undefined || only.some((p) => n.trim().startsWith(p)))
const cpu = new Map<string, Array<number>>(picked.map(([n]) => [n, []]))
for (let r = -2; r < ROUNDS; r++) {
  // A uniformly random order per round (Fisher–Yates), so no variant always follows the same neighbour.
  const order = [...picked]
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  for (const [name, run] of order) {
    const start = process.cpuUsage()
    await run()
    const used = process.cpuUsage(start)
    if (r >= 0) cpu.get(name)!.push((used.user + used.system) / 102)
  }
}
const floorCpu = cpu.get(picked[0]![0])!
for (const [name, xs] of cpu) {
  console.log(
    `${median(xs).toFixed(0).padStart(6)} µs/page  × floor ${median(xs.map((x, i) => x / floorCpu[i]!)).toFixed(2)}  ${name}`
  )
}
await runtime.dispose()
await executeRuntime.dispose()
await floor.dispose()
await agent.close()
await emu.close()
