// The contenders of the list and get benchmarks: this library (on NodeTransport, and on the platform's
// undici and fetch clients), a raw `fetch` + `JSON.parse` loop (the floor: HTTP with no validation), and the
// official `@voucherify/sdk`.
// Every list contender pages by `end_date` the same way (oldest `created_at` + 1 ms, skipping the ids
// already seen at the boundary), so all of them send the same requests and see every action once.
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

/** The pagination every hand-written contender uses (mirrors the library's cursor). */
const paginate = async (
  fetchPage: (endDate: string | undefined) => Promise<WirePage>,
  collect?: IdSink
): Promise<number> => {
  let endDate: string | undefined
  let boundary = new Map<string, number>()
  let count = 0
  for (;;) {
    const page = await fetchPage(endDate)
    const items = page.async_actions
    let oldest = Number.POSITIVE_INFINITY
    const times = new Array<number>(items.length)
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      const at = Date.parse(item.created_at)
      times[i] = at
      if (at < oldest) oldest = at
      if (!boundary.has(item.id)) {
        count++
        collect?.push(item.id)
      }
    }
    if (items.length === 0 || page.has_more === false) return count
    const next = new Map<string, number>()
    for (const [id, at] of boundary) if (at <= oldest + 1) next.set(id, at)
    for (let i = 0; i < items.length; i++) if (times[i]! <= oldest + 1) next.set(items[i]!.id, times[i]!)
    boundary = next
    endDate = new Date(oldest + 1).toISOString()
  }
}

export const rawFetch = (emu: Pick<EmulatorProcess, "url" | "headers">): Contender => {
  const get = async (url: string): Promise<unknown> => {
    const response = await fetch(url, { headers: emu.headers })
    const text = await response.text()
    if (response.status !== 200) throw new Error(`raw fetch: ${response.status} ${text.slice(0, 200)}`)
    return JSON.parse(text)
  }
  return {
    name: "raw fetch + JSON.parse",
    listAll: (collect) =>
      paginate(
        (endDate) =>
          get(
            `${emu.url}/v1/async-actions?limit=100${endDate === undefined ? "" : `&end_date=${encodeURIComponent(endDate)}`}`
          ) as Promise<WirePage>,
        collect
      ),
    getEach: async (ids) => {
      let n = 0
      for (const id of ids) {
        const action = (await get(`${emu.url}/v1/async-actions/${encodeURIComponent(id)}`)) as WireItem
        if (action.id === id) n++
      }
      return n
    },
    dispose: async () => {}
  }
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
            limit: 100,
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
        AsyncActions.stream({ pageSize: 100 }).pipe(
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

export const allContenders = (emu: EmulatorProcess): ReadonlyArray<Contender> => [
  rawFetch(emu),
  library(emu, "voucherify-effect (NodeTransport)", NodeTransport.layer),
  library(emu, "voucherify-effect (platform undici)", NodeHttpClient.layerUndici),
  library(emu, "voucherify-effect (platform fetch)", FetchHttpClient.layer),
  officialSdk(emu)
]
