/**
 * Decode benchmark: 1 000 list pages of 100 actions each, serialised to JSON text first, then decoded by
 *   (a) JSON.parse alone,
 *   (b) JSON.parse + an ajv-compiled validator of the same fields,
 *   (s) JSON.parse + the plain Schema decoder (`Schema.decodeUnknownEither(AsyncActionList.AsyncActionList)`),
 *   (c) this package's list decoder (`AsyncActionList.decodeJson`: JSON.parse + the compiled fast path).
 * WARMUP rounds, then ROUNDS measured rounds; a round runs every variant once over all pages (interleaved);
 * the median round of each variant is reported.
 * Run with `pnpm bench:decode` (from the repo root) or `tsx bench/decode.ts` in packages/core.
 */
import { Ajv } from "ajv"
import addFormatsModule from "ajv-formats"
import { Either, Schema } from "effect"
import * as AsyncActionList from "../src/AsyncActionList.js"
import { makePages } from "./generate.js"

const PAGES = Number(process.env.PAGES ?? 1000)
const PAGE_SIZE = 100
const WARMUP = Number(process.env.WARMUP ?? 2)
const ROUNDS = Number(process.env.ROUNDS ?? 7)

// The list page as JSON Schema, written by hand to check the same things the Schema decoder checks.
const listJsonSchema = {
  type: "object",
  properties: {
    object: { const: "list" },
    data_ref: { const: "async_actions" },
    has_more: { type: "boolean" },
    async_actions: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "type", "status", "created_at"],
        properties: {
          id: { type: "string", pattern: "^aa_[A-Za-z0-9]{1,64}$" },
          type: { type: "string", maxLength: 200 },
          status: { enum: ["ENQUEUED", "IN_PROGRESS", "DONE", "FAILED"] },
          operation_status: { enum: ["SUCCESS", "FAILED", "UNKNOWN"] },
          created_at: { type: "string", format: "date-time" },
          updated_at: { type: "string", format: "date-time" },
          request_id: { type: "string", pattern: "^[\\x21-\\x7e]{1,128}$" },
          processing_time: { type: "integer", minimum: 0 },
          progress: { type: "integer", minimum: 0, maximum: 100 },
          object: { const: "async_action" }
        }
      }
    }
  },
  required: ["async_actions"]
} as const

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
const ajv = new Ajv({ allErrors: false })
addFormats(ajv)
const validateList = ajv.compile(listJsonSchema)
const schemaDecode = Schema.decodeUnknownEither(AsyncActionList.AsyncActionList)

interface Variant {
  readonly name: string
  readonly run: (text: string) => number
}

const variants: ReadonlyArray<Variant> = [
  {
    name: "(a) JSON.parse",
    run: (text) => (JSON.parse(text) as { async_actions: Array<unknown> }).async_actions.length
  },
  {
    name: "(b) JSON.parse + ajv",
    run: (text) => {
      const json = JSON.parse(text) as { async_actions: Array<unknown> }
      if (!validateList(json)) throw new Error(ajv.errorsText(validateList.errors))
      return json.async_actions.length
    }
  },
  {
    name: "(s) JSON.parse + plain Schema decoder",
    run: (text) => Either.getOrThrow(schemaDecode(JSON.parse(text))).asyncActions.length
  },
  {
    name: "(c) AsyncActionList.decodeJson",
    run: (text) => Either.getOrThrow(AsyncActionList.decodeJson(text)).asyncActions.length
  }
]

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((x, y) => x - y)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

// One round runs every variant once over all pages (interleaved, so a change in machine load affects
// all variants alike); each variant's rate is the median of its measured rounds.
const measureAll = (selected: ReadonlyArray<Variant>, pages: ReadonlyArray<string>): Map<string, number> => {
  const rates = new Map<string, Array<number>>(selected.map((variant) => [variant.name, []]))
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (const variant of selected) {
      let count = 0
      const start = process.hrtime.bigint()
      for (const page of pages) count += variant.run(page)
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      if (count !== pages.length * PAGE_SIZE) throw new Error(`${variant.name} decoded ${count} actions`)
      if (round >= WARMUP) rates.get(variant.name)?.push(count / seconds)
    }
  }
  return new Map([...rates].map(([name, xs]) => [name, median(xs)]))
}

const pages = makePages(PAGES, PAGE_SIZE)
const bytes = pages.reduce((n, page) => n + page.length, 0)
const only = process.env.ONLY?.split(",")
console.log(
  `${PAGES} pages x ${PAGE_SIZE} actions (${(bytes / 1e6).toFixed(1)} MB of JSON), ${WARMUP} warm-up + ${ROUNDS} rounds, median`
)
const selected = variants.filter(
  (variant) => only === undefined || only.some((key) => variant.name.startsWith(`(${key})`))
)
const results = measureAll(selected, pages)
const base = results.get("(a) JSON.parse")
const width = Math.max(...[...results.keys()].map((name) => name.length))
console.log(`${"decoder".padEnd(width)}  ${"actions/s".padStart(12)}  x JSON.parse`)
for (const [name, rate] of results) {
  const ratio = base === undefined ? "" : (base / rate).toFixed(2)
  console.log(`${name.padEnd(width)}  ${Math.round(rate).toLocaleString("en-US").padStart(12)}  ${ratio.padStart(11)}`)
}
const fast = results.get("(c) AsyncActionList.decodeJson")
if (base !== undefined && fast !== undefined) console.log(`ratio (c)/(a): ${(base / fast).toFixed(2)}`)
