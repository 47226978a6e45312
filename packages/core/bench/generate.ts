/**
 * Deterministic, realistic list pages for the decode benchmark: 100 items a page, newest first,
 * the field mix seen in the upstream examples (optional fields sometimes absent, two request id styles).
 */
import { knownTypes } from "../src/AsyncActionType.js"

// mulberry32: a tiny seeded PRNG, so every run decodes the same bytes.
export const prng = (seed: number) => {
  let state = seed >>> 0
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const hex = (next: () => number, length: number): string => {
  let out = ""
  for (let i = 0; i < length; i++) out += "0123456789abcdef"[Math.floor(next() * 16)]
  return out
}

export interface WireListItem {
  readonly [key: string]: unknown
}

export const makePages = (pageCount: number, pageSize: number, seed = 20230120): Array<string> => {
  const next = prng(seed)
  const pages: Array<string> = []
  let cursor = Date.UTC(2025, 5, 30, 12, 0, 0, 0)
  for (let p = 0; p < pageCount; p++) {
    const items: Array<WireListItem> = []
    for (let i = 0; i < pageSize; i++) {
      cursor -= 1 + Math.floor(next() * 600_000)
      const type = knownTypes[Math.floor(next() * knownTypes.length)]!
      const roll = next()
      const status = roll < 0.85 ? "DONE" : roll < 0.92 ? "IN_PROGRESS" : roll < 0.97 ? "ENQUEUED" : "FAILED"
      const processing = Math.floor(next() * 5000)
      const item: Record<string, unknown> = {
        id: `aa_0${hex(next, 17)}`,
        type,
        status
      }
      if ((type.endsWith("BULK_UPDATE") || type.endsWith(".METADATA_UPDATE")) && status === "DONE") {
        item.operation_status = next() < 0.9 ? "SUCCESS" : "FAILED"
      }
      item.created_at = new Date(cursor).toISOString()
      item.updated_at = new Date(cursor + processing).toISOString()
      item.request_id = `${type.endsWith("METADATA_KEY_PURGE") ? "w" : "v"}-0${hex(next, 17)}`
      item.progress = status === "DONE" ? 100 : status === "IN_PROGRESS" ? Math.floor(next() * 100) : 0
      if (status === "DONE" && next() < 0.5) item.processing_time = processing
      item.object = "async_action"
      items.push(item)
    }
    pages.push(
      JSON.stringify({ object: "list", data_ref: "async_actions", async_actions: items, has_more: p < pageCount - 1 })
    )
  }
  return pages
}
