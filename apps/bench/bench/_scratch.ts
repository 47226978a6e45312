import { AsyncActionList } from "@voucherify-effect/core"
import { AsyncActions, Pagination, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Channel, Chunk, Context, Effect, Either, Layer, ManagedRuntime, Option, Redacted, Stream } from "effect"
import { HttpClient } from "@effect/platform"
import { BufferedGet } from "@voucherify-effect/core"
import { library, undiciFloor } from "./contenders.js"
import { startEmulator } from "./emulator.js"
import { median } from "./stats.js"

const ROUNDS = Number(process.env.ROUNDS ?? 15)
const emu = await startEmulator({ seed: 10_000 })
const layer = AsyncActions.layer.pipe(
  Layer.provideMerge(VoucherifyClient.layer({ apiUrl: emu.url, appId: emu.appId, secretKey: Redacted.make(emu.secretKey) })),
  Layer.provideMerge(NodeTransport.layer)
)
const runtime = ManagedRuntime.make(layer)
const floor = undiciFloor(emu)
const page = (client: VoucherifyClient.Service, cursor: Pagination.Cursor) =>
  Effect.flatMap(
    client.get({
      path: "/v1/async-actions",
      urlParams: AsyncActionList.toUrlParams({
        limit: 100,
        ...Option.match(cursor.endDate, { onNone: () => ({}), onSome: (endDate) => ({ endDate }) })
      }),
      decode: AsyncActionList.decodeJson
    }),
    (p) => Pagination.advance(cursor, p, 100)
  )
const withClient = <A, E>(f: (c: VoucherifyClient.Service) => Effect.Effect<A, E>) =>
  () => runtime.runPromise(Effect.flatMap(VoucherifyClient.VoucherifyClient, f))

const benchLib = library(emu, "lib", NodeTransport.layer)
const http = (await runtime.runPromise(Effect.map(HttpClient.HttpClient, (c) => c)))
const bg = BufferedGet.fromClient(http)!
const origin = new URL(emu.url).origin
const hdrs = { accept: "application/json", "user-agent": "x", "x-voucherify-channel": "x", "x-app-id": emu.appId, "x-app-token": emu.secretKey }
const walkRaw = (get: (q: string) => Effect.Effect<any>) => Effect.gen(function* () {
  let cursor = Pagination.start(Option.none()); let n = 0
  for (;;) {
    const q = new URLSearchParams(AsyncActionList.toUrlParams({ limit: 100, ...Option.match(cursor.endDate, { onNone: () => ({}), onSome: (endDate) => ({ endDate }) }) }) as any).toString()
    const text: string = yield* get(q)
    const page = AsyncActionList.decodeJson(text)
    if (page._tag === "Left") throw new Error("x")
    const step = Either.getOrThrow(Pagination.advance(cursor, page.right, 100))
    n += step.fresh.length; if (Option.isNone(step.next)) return n; cursor = step.next.value
  }
})
const variants: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
  ["floor", () => floor.listAll()],
  ["async(bufferedGet) + decode + advance", () => runtime.runPromise(walkRaw((q) => Effect.async<string>((resume) => {
    bg({ origin, path: `/v1/async-actions?${q}`, headers: hdrs, signal: new AbortController().signal, maxResponseBytes: 4e6, context: Context.empty() as any })
      .then((a) => resume(Effect.succeed((a.body as any).text)))
  })))],
  ["client.get + decode + advance (effect loop)", withClient((client) => Effect.gen(function* () {
    let cursor = Pagination.start(Option.none()); let n = 0
    for (;;) { const step = yield* page(client, cursor); n += step.fresh.length; if (Option.isNone(step.next)) return n; cursor = step.next.value }
  }))],
  ["library stream", () => runtime.runPromise(Stream.runCount(AsyncActions.stream()))]
]
const cpu = new Map<string, Array<number>>(variants.map(([n]) => [n, []]))
for (let r = -2; r < ROUNDS; r++) {
  for (const [name, run] of [...variants].sort(() => Math.random() - 0.5)) {
    const start = process.cpuUsage(); await run(); const used = process.cpuUsage(start)
    if (r >= 0) cpu.get(name)!.push((used.user + used.system) / 102)
  }
}
const f = cpu.get("floor")!
for (const [name, xs] of cpu) console.log(`${median(xs).toFixed(0).padStart(6)} µs/page  × floor ${median(xs.map((x, i) => x / f[i]!)).toFixed(2)}  ${name}`)
await runtime.dispose(); await floor.dispose(); await emu.close()
