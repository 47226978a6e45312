// The contenders of the list and get benchmarks: this library (on NodeTransport, and on the platform's
// undici and fetch clients), the floor (`undici.request` + `JSON.parse`, on the very undici copy
// NodeTransport runs on: HTTP with no validation, the fastest honest way to do the same work on Node), a
// raw `fetch` + `JSON.parse` loop (for reference: Node 20's global fetch is undici 6's fetch), and the
// official `@voucherify/sdk`.
// Every list contender pages by `end_date` exactly as the library's cursor does (`Pagination.advance`:
// oldest `created_at` + 1 ms, or the oldest itself once the server proved `end_date` inclusive; the ids
// already seen at the boundary skipped), so all of them send the same requests and see every action once.
import { createRequire } from "node:module"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import * as VoucherifySdk from "@voucherify/sdk"
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import type { EmulatorProcess } from "./emulator.js"

/** Where a walk hands the ids it sees (an array, or a counter that keeps nothing). */
export interface IdSink {
  readonly push: (id: string) => unknown
}

export interface Contender {
  readonly name: string
  /** Walks the whole history; returns how many actions it saw (and hands each id to `collect`). */
  readonly listAll: (collect?: IdSink) => Promise<number>
  /** Fetches each id in turn; returns how many it got. */
  readonly getEach: (ids: ReadonlyArray<string>) => Promise<number>
  readonly dispose: () => Promise<void>
}

interface WireItem {
  readonly id: string
  readonly created_at: string
}
interface WirePage {
  readonly async_actions: ReadonlyArray<WireItem>
  readonly has_more?: boolean
}

const PAGE_SIZE = 100

/** The pagination every hand-written contender uses (mirrors the library's cursor, `Pagination.advance`). */
export const paginate = async (
  fetchPage: (endDate: string | undefined) => Promise<WirePage>,
  collect?: IdSink
): Promise<number> => {
  let endDate: string | undefined
  let requested: number | undefined
  let inclusive = false
  let boundary = new Map<string, number>()
  let count = 0
  for (;;) {
    const page = await fetchPage(endDate)
    const items = page.async_actions
    let oldest = Number.POSITIVE_INFINITY
    let fresh = 0
    const times = new Array<number>(items.length)
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      const at = Date.parse(item.created_at)
      times[i] = at
      if (at < oldest) oldest = at
      if (at === requested) inclusive = true
      if (!boundary.has(item.id)) {
        fresh++
        collect?.push(item.id)
      }
    }
    count += fresh
    if (items.length === 0 || !(page.has_more ?? items.length >= PAGE_SIZE)) return count
    if (fresh === 0) throw new Error("pagination stalled")
    const next = new Map<string, number>()
    for (const [id, at] of boundary) if (at <= oldest + 1) next.set(id, at)
    for (let i = 0; i < items.length; i++) if (times[i]! <= oldest + 1) next.set(items[i]!.id, times[i]!)
    boundary = next
    requested = inclusive ? oldest : oldest + 1
    endDate = new Date(requested).toISOString()
  }
}

const listUrl = (base: string, endDate: string | undefined) =>
  `${base}/v1/async-actions?limit=${PAGE_SIZE}${endDate === undefined ? "" : `&end_date=${encodeURIComponent(endDate)}`}`
const getUrl = (base: string, id: string) => `${base}/v1/async-actions/${encodeURIComponent(id)}`

/** What the floor needs of undici (the copy `@effect/platform-node`, and so NodeTransport, runs on). */
interface Undici {
  readonly Agent: new () => { close: () => Promise<void> }
  readonly request: (
    url: string,
    options: { readonly headers: Record<string, string>; readonly dispatcher: unknown }
  ) => Promise<{ readonly statusCode: number; readonly body: { readonly text: () => Promise<string> } }>
}
const requireFromPlatform = createRequire(createRequire(import.meta.url).resolve("@effect/platform-node/package.json"))
const undici = requireFromPlatform("undici") as Undici
/** The version of that undici, recorded in the results. */
export const undiciVersion = (requireFromPlatform("undici/package.json") as { version: string }).version

/**
 * The floor: `undici.request` on its own `Agent` (as NodeTransport has), the body read as text,
 * `JSON.parse`, the library's cursor and dedup; no validation, no Effect.
 */
export const undiciFloor = (emu: Pick<EmulatorProcess, "url" | "headers">): Contender => {
  const dispatcher = new undici.Agent()
  const get = async (url: string): Promise<unknown> => {
    const response = await undici.request(url, { headers: emu.headers, dispatcher })
    const text = await response.body.text()
    if (response.statusCode !== 200) throw new Error(`undici floor: ${response.statusCode} ${text.slice(0, 200)}`)
    return JSON.parse(text)
  }
  return plainLoops(FLOOR, emu.url, get, () => dispatcher.close())
}

/** A contender made of a plain `get(url)`: the library's cursor for lists, one get after another for gets. */
const plainLoops = (
  name: string,
  base: string,
  get: (url: string) => Promise<unknown>,
  dispose: () => Promise<void>
): Contender => ({
  name,
  listAll: (collect) => paginate((endDate) => get(listUrl(base, endDate)) as Promise<WirePage>, collect),
  getEach: async (ids) => {
    let n = 0
    for (const id of ids) {
      const action = (await get(getUrl(base, id))) as WireItem
      if (action.id === id) n++
    }
    return n
  },
  dispose
})

/** The floor's name: every ratio in the tables is to this row, per round. */
export const FLOOR = "floor: undici.request + JSON.parse"

export const rawFetch = (emu: Pick<EmulatorProcess, "url" | "headers">): Contender => {
  const get = async (url: string): Promise<unknown> => {
    const response = await fetch(url, { headers: emu.headers })
    const text = await response.text()
    if (response.status !== 200) throw new Error(`raw fetch: ${response.status} ${text.slice(0, 200)}`)
    return JSON.parse(text)
  }
  return plainLoops("fetch + JSON.parse (reference)", emu.url, get, async () => {})
}

// The SDK ships a CommonJS (UMD) main: under plain Node ESM its named exports sit on `default`.
const sdk = ((VoucherifySdk as unknown as { default?: typeof VoucherifySdk }).default ??
  VoucherifySdk) as typeof VoucherifySdk

export const officialSdk = (emu: EmulatorProcess): Contender => {
  const client = sdk.VoucherifyServerSide({ applicationId: emu.appId, secretKey: emu.secretKey, apiUrl: emu.url })
  return {
    name: "@voucherify/sdk 2.9 (by hand)",
    listAll: (collect) =>
      paginate(
        (endDate) =>
          client.asyncActions.list({
            limit: PAGE_SIZE,
            ...(endDate === undefined ? {} : { end_date: endDate })
          }) as Promise<unknown> as Promise<WirePage>,
        collect
      ),
    getEach: async (ids) => {
      let n = 0
      for (const id of ids) {
        const action = await client.asyncActions.get(id)
        if (action.id === id) n++
      }
      return n
    },
    dispose: async () => {}
  }
}

export const library = (
  emu: EmulatorProcess,
  name: string,
  transport: Layer.Layer<HttpClient.HttpClient>
): Contender => {
  const layer = AsyncActions.layer.pipe(
    Layer.provide(
      VoucherifyClient.layer({ apiUrl: emu.url, appId: emu.appId, secretKey: Redacted.make(emu.secretKey) })
    ),
    Layer.provide(transport)
  )
  const runtime = ManagedRuntime.make(layer)
  return {
    name,
    listAll: (collect) =>
      runtime.runPromise(
        AsyncActions.stream({ pageSize: PAGE_SIZE }).pipe(
          Stream.runFold(0, (n, action) => {
            collect?.push(action.id)
            return n + 1
          })
        )
      ),
    getEach: (ids) =>
      runtime.runPromise(
        Effect.reduce(ids, 0, (n, id) => Effect.map(AsyncActions.get(id), (action) => (action.id === id ? n + 1 : n)))
      ),
    dispose: () => runtime.dispose()
  }
}

/** Every contender of the list and get tables; the floor first. */
export const allContenders = (emu: EmulatorProcess): ReadonlyArray<Contender> => [
  undiciFloor(emu),
  rawFetch(emu),
  library(emu, "voucherify-effect (NodeTransport)", NodeTransport.layer),
  library(emu, "voucherify-effect (platform undici)", NodeHttpClient.layerUndici),
  library(emu, "voucherify-effect (platform fetch)", FetchHttpClient.layer),
  officialSdk(emu)
]
