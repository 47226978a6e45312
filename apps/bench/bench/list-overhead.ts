/**
 * Diagnosis helper, not part of `pnpm bench`: the library's CPU cost per list page, without a network. The
 * 102 pages of the emulator's 10 000-action history are fetched once; then an in-memory `HttpClient` serves
 * them by URL with bodies already in memory (as NodeTransport hands them over), and each layer of the list
 * path is timed alone, in µs per page (client CPU; nothing else runs in this process):
 *   tsx bench/list-overhead.ts            (ONLY=<name prefix> runs one variant; ROUNDS=<n>)
 */
import { HttpClient } from "@effect/platform"
import { AsyncActionList, BufferedGet } from "@voucherify-effect/core"
import { AsyncActions, Pagination, VoucherifyClient } from "@voucherify-effect/http"
import { Effect, Layer, ManagedRuntime, Option, Redacted, Stream } from "effect"
import { BufferedResponse } from "../../../packages/node/src/internal/bufferedResponse.js"
import { clientWalk } from "./clientWalk.js"
import { paginate } from "./contenders.js"
import { startEmulator } from "./emulator.js"

const ROUNDS = Number(process.env.ROUNDS ?? 20)
const emu = await startEmulator({ seed: 10_000 })
const pages = new Map<string, string>()
await paginate(async (endDate) => {
  const path = `/v1/async-actions?limit=100${endDate === undefined ? "" : `&end_date=${encodeURIComponent(endDate)}`}`
  const text = await (await fetch(`${emu.url}${path}`, { headers: emu.headers })).text()
  pages.set(path, text)
  return JSON.parse(text)
})
await emu.close()
const bodies = [...pages.values()]
const headers = { "content-type": "application/json; charset=utf-8" }
const encoder = new TextEncoder()
const bytes = new Map([...pages].map(([path, text]) => [path, encoder.encode(text)]))
// NodeTransport's own response class (internal to the node package), so the body is read as it is there,
// and its GET shortcut (`BufferedGet`), which the client takes on NodeTransport: served from memory too.
const execute = HttpClient.make((request, url) => {
  const body = bytes.get(url.pathname + url.search)
  return Effect.succeed(
    new BufferedResponse(request, body === undefined ? 404 : 200, headers, {
      _tag: "Read",
      bytes: body ?? new Uint8Array()
    })
  )
})
const shortcut: BufferedGet.BufferedGet = (request) => {
  const text = pages.get(request.path)
  return Promise.resolve({
    status: text === undefined ? 404 : 200,
    headers,
    body: { _tag: "Read", text: text ?? "" }
  })
}
const http = Object.assign(execute, { [BufferedGet.TypeId]: shortcut })
const layer = AsyncActions.layer.pipe(
  Layer.provideMerge(
    VoucherifyClient.layer({ apiUrl: "http://127.0.0.1:1", appId: "app", secretKey: Redacted.make("sk") })
  ),
  Layer.provideMerge(Layer.succeed(HttpClient.HttpClient, http))
)
const runtime = ManagedRuntime.make(layer)

const variants: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
  [
    "JSON.parse of each page",
    async () => {
      for (const b of bodies) JSON.parse(b)
    }
  ],
  [
    "AsyncActionList.decodeJson of each page",
    async () => {
      for (const b of bodies) AsyncActionList.decodeJson(b)
    }
  ],
  [
    "HttpClient.execute + text + decodeJson, Effect loop (the generic path)",
    () =>
      runtime.runPromise(
        Effect.gen(function* () {
          const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerDisabledWhen(() => true))
          for (const path of pages.keys()) {
            const r = yield* Effect.scoped(client.get(`http://127.0.0.1:1${path}`))
            AsyncActionList.decodeJson(yield* r.text)
          }
        })
      )
  ],
  ["VoucherifyClient.get + Pagination.advance, Effect loop", () => runtime.runPromise(clientWalk)],
  [
    "AsyncActions.list + Pagination.advance, Effect loop",
    () =>
      runtime.runPromise(
        Effect.gen(function* () {
          let cursor: Pagination.Cursor = Pagination.start(Option.none())
          for (;;) {
            const page = yield* AsyncActions.list({
              limit: 100,
              ...Option.match(cursor.endDate, { onNone: () => ({}), onSome: (endDate) => ({ endDate }) })
            })
            const step = yield* Pagination.advance(cursor, page, 100)
            if (Option.isNone(step.next)) return
            cursor = step.next.value
          }
        })
      )
  ],
  ["AsyncActions.stream (in-memory HttpClient)", () => runtime.runPromise(Stream.runDrain(AsyncActions.stream()))]
]
await runtime.runPromise(Effect.void)
for (const [name, run] of variants.filter(([n]) => process.env.ONLY === undefined || n.startsWith(process.env.ONLY))) {
  for (let i = 0; i < 3; i++) await run()
  const cpu = process.cpuUsage()
  for (let i = 0; i < ROUNDS; i++) await run()
  const used = process.cpuUsage(cpu)
  console.log(`${(((used.user + used.system) / ROUNDS / bodies.length) | 0).toString().padStart(6)} µs/page  ${name}`)
}
await runtime.dispose()
