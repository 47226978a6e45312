import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Emulator from "../src/Emulator.js"
import { auth, contract, getJson, type Json } from "./helpers.js"

interface Item {
  readonly id: string
  readonly created_at: string
}

const walk = (emu: Emulator.EmulatorHandle, limit: number, maxPages = 1000) =>
  Effect.promise(async () => {
    const pages: Array<Array<Item>> = []
    let endDate: string | undefined
    for (let i = 0; i < maxPages; i++) {
      const q = endDate === undefined ? "" : `&end_date=${encodeURIComponent(endDate)}`
      const { body } = (await getJson(`${emu.url}/v1/async-actions?limit=${limit}${q}`, auth(emu))) as { body: Json }
      contract.list(body)
      pages.push(body.async_actions)
      if (!body.has_more || body.async_actions.length === 0) break
      endDate = body.async_actions.at(-1).created_at
    }
    return pages
  })

const isOrdered = (items: ReadonlyArray<Item>) =>
  items.every((item, i) => {
    const prev = items[i - 1]
    if (prev === undefined) return true
    return prev.created_at > item.created_at || (prev.created_at === item.created_at && prev.id > item.id)
  })

describe("Pagination semantics (seed 1000, with created_at ties)", () => {
  it.scopedLive(
    "exclusive end_date (default): pages never overlap; actions tied with a page's last item are skipped",
    () =>
      Effect.gen(function* () {
        const emu = yield* Emulator.make({ seed: 1000, seedValue: 11 })
        const everything = emu.state.all()
        const byTime = new Map<number, number>()
        for (const a of everything) byTime.set(a.createdAt, (byTime.get(a.createdAt) ?? 0) + 1)
        expect([...byTime.values()].some((n) => n > 1)).toBe(true)

        const pages = yield* walk(emu, 7)
        const seen = pages.flat()
        expect(isOrdered(seen)).toBe(true)
        expect(new Set(seen.map((a) => a.id)).size).toBe(seen.length) // no duplicates across pages
        // Expected loss: for each page boundary, the tied actions at its oldest created_at not on that page.
        let lost = 0
        for (const page of pages.slice(0, -1)) {
          const last = page.at(-1)!.created_at
          const onPage = page.filter((a) => a.created_at === last).length
          lost += (byTime.get(Date.parse(last)) ?? 0) - onPage
        }
        expect(lost).toBeGreaterThan(0)
        expect(seen.length).toBe(1000 - lost)
      })
  )

  it.scopedLive("inclusive end_date: pages overlap at ties; deduplicating by id yields every action once", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 1000, seedValue: 11, endDateInclusive: true })
      const pages = yield* walk(emu, 50)
      const all = pages.flat()
      expect(all.length).toBeGreaterThan(1000) // boundary items repeat
      const unique = new Map(all.map((a) => [a.id, a]))
      expect(unique.size).toBe(1000)
      expect(isOrdered([...unique.values()])).toBe(true)
      expect(pages.at(-1)!.length).toBeGreaterThan(0)
    })
  )

  it.scopedLive("inclusive end_date with limit smaller than a tie group: the cursor stops moving", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ endDateInclusive: true })
      const at = Date.UTC(2026, 0, 1)
      for (let i = 0; i < 4; i++) yield* emu.createAction({ type: "ORDERS.IMPORT", createdAt: at, durationMillis: 0 })
      const pages = yield* walk(emu, 2, 3)
      expect(pages).toHaveLength(3)
      expect(pages[1]).toEqual(pages[2])
      expect(pages[1]!.every((a) => a.created_at === new Date(at).toISOString())).toBe(true)
    })
  )

  it.scopedLive("has_more is false exactly on the last page; stable order across repeated calls", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 25 })
      const first = yield* Effect.promise(() => getJson(`${emu.url}/v1/async-actions?limit=25`, auth(emu)))
      const again = yield* Effect.promise(() => getJson(`${emu.url}/v1/async-actions?limit=25`, auth(emu)))
      expect(first.body).toEqual(again.body)
      expect(first.body.has_more).toBe(false)
      const short = yield* Effect.promise(() => getJson(`${emu.url}/v1/async-actions?limit=24`, auth(emu)))
      expect(short.body.has_more).toBe(true)
      const past = yield* Effect.promise(() =>
        getJson(`${emu.url}/v1/async-actions?limit=5&end_date=2000-01-01`, auth(emu))
      )
      expect(past.body).toEqual({ object: "list", data_ref: "async_actions", async_actions: [], has_more: false })
    })
  )
})
