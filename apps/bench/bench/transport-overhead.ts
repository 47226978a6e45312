/**
 * Diagnosis helper, not part of `pnpm bench`: where a list page's client CPU goes on real sockets, from the
 * floor up to the library's stream, one layer at a time. Every variant walks the emulator's 10 000-action
 * history (102 pages) with the same cursor; rounds are interleaved (each round runs every variant, in a
 * seeded random order) and the median CPU per page is printed, with its median ratio to the floor's.
 *   tsx bench/transport-overhead.ts            (ROUNDS=<n>, ONLY=<comma-separated prefixes>)
 */
import { createRequire } from "node:module"
import { HttpClient } from "@effect/platform"
import { AsyncActionList } from "@voucherify-effect/core"
import { AsyncActions, Pagination, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Either, Layer, ManagedRuntime, Option, Redacted, Scope, Stream } from "effect"
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
const dispatcherLoop = (withSignal: boolean, headers: Record<string, string>) => async (): Promise<number> =>
  paginate(async (endDate) => {
    const response = await agent.request({
      origin,
      path: pathOf(endDate),
      method: "GET",
      headers,
      body: null,
      ...(withSignal ? { signal: new AbortController().signal } : {}),
      headersTimeout: 60 * 60 * 1000,
      bodyTimeout: 0
    })
    return JSON.parse(utf8.decode(await response.body.bytes()))
  })

interface WirePage {
  readonly async_actions: ReadonlyArray<{ readonly id: string; readonly created_at: string }>
  readonly has_more?: boolean
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
const floor = undiciFloor(emu)

const variants: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
  ["floor: undici.request + text + JSON.parse", () => floor.listAll()],
  ["Agent.request + bytes + TextDecoder + JSON.parse", dispatcherLoop(false, emu.headers)],
  ["  + the library's five headers", dispatcherLoop(false, libraryHeaders)],
  ["  + an AbortSignal per request", dispatcherLoop(true, libraryHeaders)],
  [
    "NodeTransport HttpClient (request scope left open, tracer off) + text + JSON.parse, Effect loop",
    () =>
      runtime.runPromise(
        Effect.gen(function* () {
          const client = (yield* HttpClient.HttpClient).pipe(
            HttpClient.withScope,
            HttpClient.withTracerDisabledWhen(() => true)
          )
          // As the library does: a successful request's scope is dropped, not closed (closing aborts).
          return yield* walk((endDate) =>
            Effect.flatMap(Scope.make(), (scope) =>
              Effect.flatMap(client.get(`${emu.url}${pathOf(endDate)}`, { headers: libraryHeaders }), (r) =>
                Effect.map(r.text, (text) => JSON.parse(text) as WirePage)
              ).pipe(Effect.provideService(Scope.Scope, scope))
            )
          )
        })
      )
  ],
  [
    "Effect.promise(Agent.request + AbortSignal ...), Effect loop",
    () =>
      runtime.runPromise(
        walk((endDate) =>
          Effect.promise(() =>
            agent
              .request({
                origin,
                path: pathOf(endDate),
                method: "GET",
                headers: libraryHeaders,
                body: null,
                signal: new AbortController().signal,
                headersTimeout: 60 * 60 * 1000,
                bodyTimeout: 0
              })
              .then(async (response) => JSON.parse(utf8.decode(await response.body.bytes())) as WirePage)
          )
        )
      )
  ],
  [
    "Effect.promise(...) + AsyncActionList.decodeJson, Effect loop",
    () =>
      runtime.runPromise(
        walk((endDate) =>
          Effect.promise(() =>
            agent
              .request({
                origin,
                path: pathOf(endDate),
                method: "GET",
                headers: libraryHeaders,
                body: null,
                signal: new AbortController().signal,
                headersTimeout: 60 * 60 * 1000,
                bodyTimeout: 0
              })
              .then(async (response) => {
                const text = utf8.decode(await response.body.bytes())
                const page = AsyncActionList.decodeJson(text)
                if (page._tag === "Left") throw new Error("decode")
                return JSON.parse(text) as WirePage
              })
          )
        )
      )
  ],
  [
    "VoucherifyClient.get (JSON.parse only), Effect loop",
    () =>
      runtime.runPromise(
        Effect.flatMap(VoucherifyClient.VoucherifyClient, (client) =>
          walk((endDate) =>
            client.get({
              path: "/v1/async-actions",
              urlParams: [["limit", "100"], ...(endDate === undefined ? [] : [["end_date", endDate] as const])],
              decode: (text) => Either.right(JSON.parse(text) as WirePage)
            })
          )
        )
      )
  ],
  [
    "VoucherifyClient.get (decodeJson) + Pagination.advance, Effect loop",
    () =>
      runtime.runPromise(
        Effect.gen(function* () {
          const client = yield* VoucherifyClient.VoucherifyClient
          let cursor: Pagination.Cursor = Pagination.start(Option.none())
          for (;;) {
            const page = yield* client.get({
              path: "/v1/async-actions",
              urlParams: AsyncActionList.toUrlParams({
                limit: 100,
                ...Option.match(cursor.endDate, { onNone: () => ({}), onSome: (endDate) => ({ endDate }) })
              }),
              decode: AsyncActionList.decodeJson
            })
            const step = yield* Pagination.advance(cursor, page, 100)
            if (Option.isNone(step.next)) return
            cursor = step.next.value
          }
        })
      )
  ],
  ["AsyncActions.stream (the library)", () => runtime.runPromise(Stream.runCount(AsyncActions.stream()))]
]
const only = process.env.ONLY?.split(",")
const picked = variants.filter(([n], i) => i === 0 || only === undefined || only.some((p) => n.trim().startsWith(p)))
const cpu = new Map<string, Array<number>>(picked.map(([n]) => [n, []]))
for (let r = -2; r < ROUNDS; r++) {
  const order = [...picked].sort(() => Math.random() - 0.5)
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
await floor.dispose()
await agent.close()
await emu.close()
