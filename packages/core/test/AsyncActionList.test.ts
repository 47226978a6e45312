import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, Schema } from "effect"
import * as fc from "fast-check"
import * as AsyncActionList from "../src/AsyncActionList.js"
import { compile, Fail } from "../src/internal/compile.js"
import { agreementWith, asJson, getExamples, mutate, readExample, unknownTypeArb, wirePageArb } from "./helpers.js"

const encode = Schema.encodeSync(AsyncActionList.AsyncActionList)
const compiled = compile(AsyncActionList.AsyncActionList.ast)
const example = readExample("list-async-actions.json") as { async_actions: Array<Record<string, unknown>> }

const expectAgreement = agreementWith(AsyncActionList.AsyncActionList, AsyncActionList.decodeUnknownEither)

describe("AsyncActionList", () => {
  it("decodes the list example (no has_more) and re-encodes it unchanged", () => {
    const page = Either.getOrThrow(AsyncActionList.decodeUnknownEither(example))
    expect(page.asyncActions.map((action) => action.id)).toStrictEqual([
      "aa_0ba518c55290c6fd62",
      "aa_0ba50a7ff4d3574568"
    ])
    expect(page.hasMore).toBeUndefined()
    expect(page.dataRef).toBe("async_actions")
    expect(asJson(encode(page))).toStrictEqual(example)
    expect(compiled(example)).not.toBe(Fail)
    expectAgreement(example)
  })

  it("decodeJson decodes text and separates malformed JSON from a schema mismatch", () => {
    const page = Either.getOrThrow(AsyncActionList.decodeJson(JSON.stringify({ ...example, has_more: true })))
    expect(page.hasMore).toBe(true)
    for (const text of ["", "<html>502 Bad Gateway</html>", '{"async_actions": ['] as const) {
      const result = AsyncActionList.decodeJson(text)
      expect(Either.isLeft(result) && result.left._tag).toBe("MalformedJson")
    }
    const mismatch = AsyncActionList.decodeJson('{"async_actions": [{"id": "aa_1"}]}')
    expect(Either.isLeft(mismatch) && mismatch.left._tag).toBe("ParseError")
  })

  it("one unknown action in a page of valid ones: nothing is lost", () => {
    const unknown = {
      id: "aa_0ffffffffffffffff1",
      type: "LOYALTIES.POINTS_EXPIRATION",
      status: "IN_PROGRESS",
      created_at: "2025-11-01T10:00:00.000Z",
      result: { shape: ["never", "seen"], count: 3 },
      object: "async_action"
    }
    const input = { ...example, async_actions: [example.async_actions[0], unknown, example.async_actions[1]] }
    const page = Either.getOrThrow(AsyncActionList.decodeUnknownEither(input))
    expect(page.asyncActions).toHaveLength(3)
    expect(page.asyncActions.map((action) => action.id)).toStrictEqual(input.async_actions.map((action) => action?.id))
    expect(page.asyncActions[1]?.type).toBe("LOYALTIES.POINTS_EXPIRATION")
    expect(page.asyncActions[1]?.result).toStrictEqual({ _tag: "Unrecognized", raw: unknown.result })
    const reencoded = asJson(encode(page))
    expect(reencoded.async_actions[1]).toStrictEqual(unknown)
    expect(reencoded).toStrictEqual(input)
    expectAgreement(input)
  })

  it("tolerates extra properties on the page and on items", () => {
    const input = {
      ...example,
      total: 2,
      async_actions: example.async_actions.map((action) => ({ ...action, user: { id: "u" }, log_id: "l" }))
    }
    const page = Either.getOrThrow(AsyncActionList.decodeUnknownEither(input))
    expect(page.asyncActions).toHaveLength(2)
    expectAgreement(input)
  })

  it("one invalid item fails the page with the Schema's message", () => {
    const input = { ...example, async_actions: [...example.async_actions, { ...example.async_actions[0], id: "x/y" }] }
    const result = AsyncActionList.decodeUnknownEither(input)
    expect(Either.isLeft(result)).toBe(true)
    expect(Either.isLeft(result) && result.left.message).toContain(
      "must be `aa_` followed by 1 to 64 letters or digits"
    )
    expectAgreement(input)
  })

  it("encode ∘ decode is the identity on arbitrary pages", () => {
    fc.assert(
      fc.property(wirePageArb, (json) => {
        const page = Either.getOrThrow(AsyncActionList.decodeUnknownEither(json))
        expect(asJson(encode(page))).toStrictEqual(json)
        expect(page.asyncActions).toHaveLength(json.async_actions.length)
      }),
      { numRuns: 300 }
    )
  })

  it("the fast decoder agrees with the Schema decoder on arbitrary, damaged and random pages", () => {
    fc.assert(
      fc.property(wirePageArb, (json) => {
        expectAgreement(json)
        expect(compiled(json)).not.toBe(Fail)
      }),
      { numRuns: 300 }
    )
    fc.assert(
      fc.property(
        wirePageArb.chain((json) => mutate(json)),
        expectAgreement
      ),
      { numRuns: 1500 }
    )
    fc.assert(
      fc.property(
        wirePageArb.chain((json) => mutate(json, fc.oneof(unknownTypeArb, fc.constant("aa_"), fc.constant(null)))),
        expectAgreement
      ),
      { numRuns: 500 }
    )
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), expectAgreement), { numRuns: 300 })
  }, 60_000) // sized for a loaded 2-core machine: 6.9 s measured under load, more than the default 5 s

  it("GET examples wrapped as list items decode (their result kept as Unrecognized)", () => {
    const input = { async_actions: getExamples.map(([, json]) => json) }
    const page = Either.getOrThrow(AsyncActionList.decodeUnknownEither(input))
    expect(page.asyncActions.every((action) => action.result?._tag === "Unrecognized")).toBe(true)
    expect(asJson(encode(page))).toStrictEqual(input)
    expectAgreement(input)
  })
})

describe("list query", () => {
  it.each([0, 101, 1.5, Number.NaN, "10", Number.POSITIVE_INFINITY, -1, null])("validateLimit rejects %s", (value) => {
    const result = AsyncActionList.validateLimit(value)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("InvalidInput")
      expect(result.left.field).toBe("limit")
      expect(result.left.message).toContain("limit")
      expect(result.left.message).toContain("between 1 and 100")
    }
  })

  it.each([1, 10, 100])("validateLimit accepts %s", (value) => {
    expect(AsyncActionList.validateLimit(value)).toStrictEqual(Either.right(value))
  })

  it.each(["garbage", "2023-13-45", "2023-02-30", "", "2023-02-29", "2023-01-01T24:00:00Z", "2023-01-01T10:00:00", 17])(
    "validateDate rejects %s",
    (value) => {
      const result = AsyncActionList.validateDate(value)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe("InvalidInput")
        expect(result.left.message).toMatch(/^Invalid endDate: /)
      }
    }
  )

  it("validateDate names the field it is given and refuses an invalid Date", () => {
    const result = AsyncActionList.validateDate(new Date(Number.NaN), "end_date")
    expect(Either.isLeft(result) && result.left.message).toBe("Invalid end_date: is an invalid Date")
  })

  it.each([
    ["2016-11-16", "2016-11-16T00:00:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
    ["2023-01-20T06:50:49.573Z", "2023-01-20T06:50:49.573Z"],
    ["2023-01-20T06:50:49Z", "2023-01-20T06:50:49.000Z"],
    ["2023-01-20T07:50:49.5+01:00", "2023-01-20T06:50:49.500Z"],
    ["2023-01-19T22:50-08:00", "2023-01-20T06:50:00.000Z"],
    ["2023-01-20T06:50:49.573123456Z", "2023-01-20T06:50:49.573Z"]
  ])("%s encodes as %s", (input, wire) => {
    const query = Either.getOrThrow(AsyncActionList.validateListQuery({ limit: 50, endDate: input }))
    expect(AsyncActionList.toUrlParams(query)).toStrictEqual([
      ["limit", "50"],
      ["end_date", wire]
    ])
  })

  it("accepts Date and DateTime values (any zone) and encodes them in UTC", () => {
    const fromDate = Either.getOrThrow(AsyncActionList.validateDate(new Date("2023-01-20T06:50:49.573Z")))
    expect(DateTime.formatIso(fromDate)).toBe("2023-01-20T06:50:49.573Z")
    const zoned = DateTime.unsafeMakeZoned(Date.UTC(2023, 0, 20, 6, 50, 49, 573), { timeZone: "+02:00" })
    const fromZoned = Either.getOrThrow(AsyncActionList.validateDate(zoned))
    expect(AsyncActionList.toUrlParams({ endDate: fromZoned })).toStrictEqual([
      ["end_date", "2023-01-20T06:50:49.573Z"]
    ])
  })

  it("validateListQuery reports the first invalid field and omits what was not given", () => {
    expect(AsyncActionList.validateListQuery({})).toStrictEqual(Either.right({}))
    expect(AsyncActionList.toUrlParams({})).toStrictEqual([])
    const result = AsyncActionList.validateListQuery({ limit: 0, endDate: "nope" })
    expect(Either.isLeft(result) && result.left.field).toBe("limit")
  })

  it("every valid date-time round-trips through toUrlParams with milliseconds", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true }),
        (date) => {
          const iso = date.toISOString()
          const query = Either.getOrThrow(AsyncActionList.validateListQuery({ endDate: iso }))
          expect(AsyncActionList.toUrlParams(query)).toStrictEqual([["end_date", iso]])
        }
      ),
      { numRuns: 500 }
    )
  })
})
