/**
 * Shared test fixtures: the reference examples, a JSON normaliser for deep equality of decoded values,
 * and fast-check arbitraries of the wire shape.
 */
import { readdirSync, readFileSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { expect } from "@effect/vitest"
import { DateTime, Either, type ParseResult, Schema } from "effect"
import * as fc from "fast-check"
import { referenceDir } from "../../../scripts/reference.mjs"
import { knownTypes } from "../src/AsyncActionType.js"
import { compile, Fail } from "../src/internal/compile.js"

// The shared reference lives outside the repository; scripts/reference.mjs says where (and hashes it for turbo).
export const examplesDir = pathToFileURL(`${referenceDir()}/examples/`)

export const readExample = (name: string): unknown => JSON.parse(readFileSync(new URL(name, examplesDir), "utf8"))

export const exampleNames = readdirSync(examplesDir)
  .filter((name) => name.endsWith(".json"))
  .sort()

export const getExamples: ReadonlyArray<readonly [string, Record<string, unknown>]> = exampleNames
  .filter((name) => name.startsWith("get-async-action."))
  .map((name) => [name, readExample(name) as Record<string, unknown>] as const)

/** Decoded values compared by value: every `DateTime` becomes its ISO text. */
export const normalize = (value: unknown): unknown => {
  if (DateTime.isDateTime(value)) return { DateTime: DateTime.formatIso(value) }
  if (Array.isArray(value)) return value.map(normalize)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, normalize(v)]))
  }
  return value
}

/** What the wire would carry: JSON text parsed back (drops `undefined`, turns -0 into 0). */
export const asJson = <A>(value: A): A => JSON.parse(JSON.stringify(value)) as A

const optional = <A>(key: string, arb: fc.Arbitrary<A>) =>
  fc.option(
    arb.map((v) => ({ [key]: v })),
    { nil: {} }
  )

/** A timestamp in the API's canonical form (`Date#toISOString`), years 1970..9999. */
export const isoDate = fc
  .integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) })
  .map((ms) => new Date(ms).toISOString())

/** The fields of a canonical-form timestamp, each now and then a little out of range. */
export const timestampFieldsArb = fc.record({
  year: fc.integer({ min: 1960, max: 10_000 }),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.integer({ min: 0, max: 32 }),
  hour: fc.integer({ min: 0, max: 24 }),
  minute: fc.integer({ min: 0, max: 60 }),
  second: fc.integer({ min: 0, max: 60 }),
  millis: fc.integer({ min: 0, max: 999 })
})

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** `YYYY-MM-DDTHH:MM:SS.sss` of the fields, then `zone`. */
export const timestampText = (f: typeof timestampFieldsArb extends fc.Arbitrary<infer T> ? T : never, zone = "Z") =>
  `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}.${pad(f.millis, 3)}${zone}`

export const idArb = fc.stringMatching(/^aa_[A-Za-z0-9]{1,64}$/)
export const requestIdArb = fc.stringMatching(/^[\x21-\x7e]{1,128}$/)
export const unknownTypeArb = fc
  .stringMatching(/^[A-Z]{1,12}\.[A-Z_]{1,24}$/)
  .filter((t) => !knownTypes.includes(t as never))
export const typeArb = fc.oneof(fc.constantFrom(...knownTypes), unknownTypeArb)
export const statusArb = fc.constantFrom("ENQUEUED", "IN_PROGRESS", "DONE", "FAILED")

const countArb = fc.nat({ max: 1_000_000 })
const text = fc.string({ maxLength: 40 })

const importResultArb = fc
  .tuple(
    optional("message", text),
    optional(
      "failed",
      fc.array(
        fc
          .tuple(
            optional("code", text),
            optional("row", fc.nat()),
            optional("source_id", fc.option(text, { nil: null })),
            optional("reason", text)
          )
          .map((parts) => Object.assign({}, ...parts) as Record<string, unknown>),
        { maxLength: 4 }
      )
    ),
    optional("done_count", countArb),
    optional("failed_count", countArb)
  )
  .map((parts) => Object.assign({}, ...parts) as Record<string, unknown>)

const summaryResultArb = fc
  .tuple(optional("message", text), optional("done_count", countArb))
  .map((parts) => Object.assign({}, ...parts) as Record<string, unknown>)

const bulkResultArb = fc
  .tuple(
    optional("done_count", countArb),
    optional("failed_count", countArb),
    optional("reports", fc.array(fc.webUrl(), { maxLength: 2 })),
    optional("reports_available_till", isoDate),
    optional(
      "errors",
      fc.array(
        fc
          .tuple(
            optional("message", text),
            optional("details", text),
            optional("key", text),
            optional("source_id", fc.option(text, { nil: null })),
            optional("code", text)
          )
          .map((parts) => Object.assign({}, ...parts) as Record<string, unknown>),
        { maxLength: 3 }
      )
    )
  )
  .map((parts) => Object.assign({}, ...parts) as Record<string, unknown>)

/** Any JSON value as a `result`: mostly decodes as `Unrecognized`. */
export const anyResultArb = fc.jsonValue({ maxDepth: 3 }).map(asJson)

export const resultArb = fc.oneof(importResultArb, summaryResultArb, bulkResultArb, anyResultArb)

const baseActionArb = fc
  .tuple(
    idArb,
    typeArb,
    statusArb,
    optional("operation_status", fc.constantFrom("SUCCESS", "FAILED", "UNKNOWN")),
    isoDate,
    optional("updated_at", isoDate),
    optional("request_id", requestIdArb),
    optional("processing_time", fc.nat()),
    optional("progress", fc.integer({ min: 0, max: 100 })),
    optional("object", fc.constant("async_action"))
  )
  .map(
    ([id, type, status, operationStatus, createdAt, ...rest]) =>
      Object.assign({ id, type, status, created_at: createdAt }, operationStatus, ...rest) as Record<string, unknown>
  )

/** A list item on the wire (no `result`). */
export const wireListItemArb = baseActionArb

/** A GET-by-id action on the wire (sometimes with a `result`). */
export const wireActionArb = fc
  .tuple(baseActionArb, optional("result", resultArb))
  .map(([action, result]) => ({ ...action, ...result }))

/** A list page on the wire. */
export const wirePageArb = fc
  .tuple(
    optional("object", fc.constant("list")),
    optional("data_ref", fc.constant("async_actions")),
    fc.array(wireListItemArb, { maxLength: 8 }),
    optional("has_more", fc.boolean())
  )
  .map(([object, dataRef, items, hasMore]) => ({ ...object, ...dataRef, async_actions: items, ...hasMore }))

/** A valid value damaged in one place: a key removed, a value replaced, or a key added. */
export const mutate = (value: unknown, random: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 })) =>
  fc
    .tuple(fc.nat(), fc.nat(), fc.constantFrom("delete", "replace", "add"), random, fc.string())
    .map(([pathSeed, keySeed, op, replacement, newKey]) => {
      const copy = structuredClone(value) as unknown
      const containers: Array<Record<string, unknown> | Array<unknown>> = []
      const walk = (node: unknown) => {
        if (typeof node === "object" && node !== null) {
          containers.push(node as Record<string, unknown>)
          for (const child of Object.values(node)) walk(child)
        }
      }
      walk(copy)
      const target = containers[pathSeed % Math.max(containers.length, 1)]
      if (target === undefined) return replacement
      const keys = Object.keys(target)
      const key = keys[keySeed % Math.max(keys.length, 1)]
      if (op === "add" && !Array.isArray(target)) (target as Record<string, unknown>)[newKey] = replacement
      else if (key !== undefined && op === "delete") delete (target as Record<string, unknown>)[key]
      else if (key !== undefined) (target as Record<string, unknown>)[key] = replacement
      return copy
    })

/**
 * An assertion that the fast decoder agrees with the plain Schema decoder on `input`: same outcome, same
 * value or same error message; and whenever the compiled path answers alone, the Schema decoder succeeds
 * with the same value.
 */
export const agreementWith = <A, I>(
  schema: Schema.Schema<A, I>,
  fast: (input: unknown) => Either.Either<A, ParseResult.ParseError>
) => {
  const slowDecode = Schema.decodeUnknownEither(schema)
  const compiled = compile(schema.ast)
  return (input: unknown) => {
    const quick = fast(input)
    const slow = slowDecode(input)
    expect(Either.isRight(quick)).toBe(Either.isRight(slow))
    if (Either.isRight(quick) && Either.isRight(slow))
      expect(normalize(quick.right)).toStrictEqual(normalize(slow.right))
    if (Either.isLeft(quick) && Either.isLeft(slow)) expect(quick.left.message).toBe(slow.left.message)
    const raw = compiled(input)
    if (raw !== Fail) {
      expect(Either.isRight(slow)).toBe(true)
      if (Either.isRight(slow)) expect(normalize(raw)).toStrictEqual(normalize(slow.right))
    }
  }
}
