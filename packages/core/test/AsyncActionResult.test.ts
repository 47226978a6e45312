import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, Schema } from "effect"
import * as fc from "fast-check"
import * as AsyncAction from "../src/AsyncAction.js"
import * as AsyncActionResult from "../src/AsyncActionResult.js"
import * as AsyncActionType from "../src/AsyncActionType.js"
import { compile, Fail } from "../src/internal/compile.js"
import { anyResultArb, asJson, getExamples, mutate, normalize, resultArb } from "./helpers.js"

const expectedFamily: Record<AsyncActionType.KnownAsyncActionType, AsyncActionType.ResultFamily> = {
  "CAMPAIGN.VOUCHERS_IMPORT": "Import",
  "CAMPAIGN.VOUCHERS_IMPORT_CSV": "Import",
  "CAMPAIGN.VOUCHERS_UPDATE": "Summary",
  "CAMPAIGN.VOUCHERS_DELETE": "Summary",
  "CAMPAIGN.VOUCHERS_GENERATE": "Summary",
  "CAMPAIGNS.METADATA_KEY_PURGE": "Summary",
  "CUSTOMERS.IMPORT_CSV": "Import",
  "CUSTOMERS.BULK_UPDATE": "BulkUpdate",
  "CUSTOMERS.METADATA_UPDATE": "BulkUpdate",
  "CUSTOMERS.METADATA_KEY_PURGE": "Summary",
  "PRODUCTS.BULK_UPDATE": "BulkUpdate",
  "PRODUCTS.METADATA_UPDATE": "BulkUpdate",
  "PRODUCTS.METADATA_KEY_PURGE": "Summary",
  "PRODUCTS.IMPORT_CSV": "Import",
  "SKUS.IMPORT_CSV": "Import",
  "VOUCHERS.IMPORT": "Import",
  "VOUCHERS.IMPORT_CSV": "Import",
  "VOUCHERS.BULK_UPDATE": "BulkUpdate",
  "VOUCHERS.METADATA_UPDATE": "BulkUpdate",
  "VOUCHERS.METADATA_KEY_PURGE": "Summary",
  "ORDERS.IMPORT": "Import",
  "ORDERS.METADATA_KEY_PURGE": "Summary"
}

describe("AsyncActionType", () => {
  it("knows the 22 documented types", () => {
    expect(AsyncActionType.knownTypes).toHaveLength(22)
    expect(new Set(AsyncActionType.knownTypes).size).toBe(22)
    expect(Object.keys(expectedFamily).sort()).toStrictEqual([...AsyncActionType.knownTypes].sort())
  })

  it.each(Object.entries(expectedFamily))("%s reports the %s family", (type, family) => {
    expect(AsyncActionType.isKnown(type)).toBe(true)
    expect(AsyncActionType.resultFamily(type as AsyncActionType.AsyncActionType)).toBe(family)
  })

  it("an unknown type is kept and reports Unrecognized", () => {
    const type = "GIFT_CARDS.EXPIRE" as AsyncActionType.AsyncActionType
    expect(AsyncActionType.isKnown(type)).toBe(false)
    expect(AsyncActionType.resultFamily(type)).toBe("Unrecognized")
  })
})

describe("AsyncActionResult", () => {
  it("there is an example for 21 of the 22 types (none genuine for CAMPAIGN.VOUCHERS_IMPORT_CSV)", () => {
    const types = getExamples.map(([, json]) => json.type)
    expect(types).toHaveLength(21)
    expect(types).not.toContain("CAMPAIGN.VOUCHERS_IMPORT_CSV")
  })

  it.each(getExamples)("%s decodes its result into the family of its type", (_, json) => {
    const action = Either.getOrThrow(AsyncAction.decodeUnknownEither(json))
    expect(action.result?._tag).toBe(expectedFamily[json.type as AsyncActionType.KnownAsyncActionType])
  })

  it("decodes the import quirks: failed as an array, source_id null", () => {
    const result = AsyncActionResult.decodeFor("ORDERS.IMPORT", {
      message: "1 order(s) imported successfully, 1 failed.",
      failed: [{ source_id: null, reason: "Internal error" }],
      done_count: 1,
      failed_count: 1
    })
    expect(result).toStrictEqual({
      _tag: "Import",
      message: "1 order(s) imported successfully, 1 failed.",
      failed: [{ sourceId: null, reason: "Internal error" }],
      doneCount: 1,
      failedCount: 1
    })
  })

  it("accepts failed as a single object (the spec's declared shape) and exposes an array", () => {
    const result = AsyncActionResult.decodeFor("VOUCHERS.IMPORT", { failed: { code: "A", reason: "bad" } })
    expect(result).toStrictEqual({ _tag: "Import", failed: [{ code: "A", reason: "bad" }] })
  })

  it("decodes a bulk update result with counts, reports and errors", () => {
    const result = AsyncActionResult.decodeFor("VOUCHERS.BULK_UPDATE", {
      done_count: 1,
      failed_count: 1,
      reports: ["https://example.com/r.csv"],
      reports_available_till: "2024-11-06T08:26:13.304Z",
      errors: [{ message: "m", details: "d", key: "k", code: "CODE1" }]
    })
    expect(result._tag).toBe("BulkUpdate")
    if (result._tag === "BulkUpdate") {
      expect(result.errors?.[0]?.code).toBe("CODE1")
      expect(result.reportsAvailableTill && DateTime.formatIso(result.reportsAvailableTill)).toBe(
        "2024-11-06T08:26:13.304Z"
      )
    }
  })

  it.each([
    ["a wrong field type", "VOUCHERS.IMPORT", { done_count: "three" }],
    ["a negative count", "CUSTOMERS.BULK_UPDATE", { done_count: -1 }],
    ["a property the family does not know", "CAMPAIGN.VOUCHERS_DELETE", { message: "m", done_count: 1, extra: true }],
    ["an unknown property inside failed[]", "VOUCHERS.IMPORT", { failed: [{ code: "A", id: 7 }] }],
    ["a bad timestamp", "PRODUCTS.METADATA_UPDATE", { reports_available_till: "soon" }],
    ["an array", "VOUCHERS.IMPORT", [1, 2]],
    ["a string", "CAMPAIGN.VOUCHERS_UPDATE", "done"],
    ["null", "CUSTOMERS.IMPORT_CSV", null],
    ["an unknown type", "LOYALTIES.EXPIRE", { done_count: 1 }]
  ])("a result with %s stays Unrecognized with the raw JSON intact", (_, type, raw) => {
    const result = AsyncActionResult.decodeFor(type as AsyncActionType.AsyncActionType, raw)
    expect(result).toStrictEqual({ _tag: "Unrecognized", raw })
    expect(result._tag === "Unrecognized" && result.raw).toBe(raw)
    expect(AsyncActionResult.encode(result)).toBe(raw)
  })

  it("never throws, whatever the result", () => {
    fc.assert(
      fc.property(fc.constantFrom(...AsyncActionType.knownTypes, "NEW.TYPE"), anyResultArb, (type, raw) => {
        const result = AsyncActionResult.decodeFor(type as AsyncActionType.AsyncActionType, raw)
        const singleFailed = typeof raw === "object" && raw !== null && "failed" in raw && !Array.isArray(raw.failed)
        if (result._tag === "Unrecognized") expect(result.raw).toBe(raw)
        else if (!singleFailed) expect(asJson(AsyncActionResult.encode(result))).toStrictEqual(raw)
      }),
      { numRuns: 500 }
    )
  })

  describe("the compiled (fast) family decoders", () => {
    const exact = { onExcessProperty: "error" } as const
    const families = [
      ["Import", AsyncActionResult.ImportResult],
      ["Summary", AsyncActionResult.SummaryResult],
      ["BulkUpdate", AsyncActionResult.BulkUpdateResult]
    ] as const

    it.each(getExamples.filter(([, json]) => json.result !== undefined))(
      "%s: its result decodes on the fast path",
      (_, json) => {
        const family = AsyncActionType.resultFamily(json.type as AsyncActionType.AsyncActionType)
        const schema = families.find(([name]) => name === family)?.[1]
        expect(schema).toBeDefined()
        if (schema !== undefined) expect(compile(schema.ast, exact)(json.result)).not.toBe(Fail)
      }
    )

    it.each(families)("%s: whenever the fast path answers, the exact Schema decoder agrees", (_, schema) => {
      const slow = Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>, exact)
      const fast = compile(schema.ast, exact)
      fc.assert(
        fc.property(
          fc.oneof(
            resultArb,
            resultArb.chain((raw) => mutate(raw))
          ),
          (raw) => {
            const answer = fast(raw)
            if (answer === Fail) return
            const expected = slow(raw)
            expect(Either.isRight(expected)).toBe(true)
            if (Either.isRight(expected)) expect(normalize(answer)).toStrictEqual(normalize(expected.right))
          }
        ),
        { numRuns: 600 }
      )
    })

    it("a property the family does not declare leaves the fast path, at any depth", () => {
      const fast = compile(AsyncActionResult.ImportResult.ast, exact)
      expect(fast({ message: "m", done_count: 1 })).not.toBe(Fail)
      expect(fast({ message: "m", done_count: 1, extra: 1 })).toBe(Fail)
      expect(fast({ failed: [{ code: "A", extra: 1 }] })).toBe(Fail)
    })
  })
})
