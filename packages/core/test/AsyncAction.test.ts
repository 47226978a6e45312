import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Either, ParseResult, Schema } from "effect"
import * as fc from "fast-check"
import * as AsyncAction from "../src/AsyncAction.js"
import * as AsyncActionResult from "../src/AsyncActionResult.js"
import { compile, Fail } from "../src/internal/compile.js"
import { agreementWith, asJson, getExamples, mutate, normalize, wireActionArb, wireListItemArb } from "./helpers.js"

const schemaDecode = Schema.decodeUnknownEither(AsyncAction.AsyncAction)
const encode = Schema.encodeSync(AsyncAction.AsyncAction)
const compiled = compile(AsyncAction.AsyncAction.ast)

const expectAgreement = agreementWith(AsyncAction.AsyncAction, AsyncAction.decodeUnknownEither)

describe("AsyncAction", () => {
  describe.each(getExamples)("%s", (_, json) => {
    it("decodes and re-encodes to the same JSON", () => {
      const decoded = Either.getOrThrow(AsyncAction.decodeUnknownEither(json))
      expect(asJson(encode(decoded))).toStrictEqual(json)
    })

    it("decodes to camelCase fields", () => {
      const decoded = Either.getOrThrow(AsyncAction.decodeUnknownEither(json))
      expect(decoded.id).toBe(json.id)
      expect(decoded.type).toBe(json.type)
      expect(decoded.status).toBe(json.status)
      expect(DateTime.formatIso(decoded.createdAt)).toBe(json.created_at)
      expect(decoded.updatedAt && DateTime.formatIso(decoded.updatedAt)).toBe(json.updated_at)
      expect(decoded.requestId).toBe(json.request_id)
      expect(decoded.processingTime).toBe(json.processing_time)
      expect(decoded.operationStatus).toBe(json.operation_status)
      expect(decoded.result).toBeDefined()
      // A decoded action is accepted as is (exactOptionalPropertyTypes).
      expect(AsyncAction.isTerminal(decoded)).toBe(true)
      expect(AsyncAction.outcome(decoded)).toBe("Succeeded")
    })

    it("the fast decoder agrees with the Schema decoder and takes the fast path", () => {
      expectAgreement(json)
      expect(compiled(json)).not.toBe(Fail)
    })

    it("decodeJson decodes the text", () => {
      const decoded = Either.getOrThrow(AsyncAction.decodeJson(JSON.stringify(json)))
      expect(decoded.id).toBe(json.id)
    })
  })

  it("the ORDERS.IMPORT example keeps source_id null", () => {
    const json = getExamples.find(([name]) => name.includes("ORDERS.IMPORT"))![1]
    const decoded = Either.getOrThrow(AsyncAction.decodeUnknownEither(json))
    expect(decoded.result?._tag === "Import" && decoded.result.failed?.[0]?.sourceId).toBeNull()
  })

  it("tolerates unknown extra properties (user, log_id)", () => {
    const json: Record<string, unknown> = {
      ...getExamples[0]![1],
      user: { id: "user_1", email: "someone@example.com" },
      log_id: "log_0c5"
    }
    const decoded = Either.getOrThrow(AsyncAction.decodeUnknownEither(json))
    expect(decoded.id).toBe(getExamples[0]![1].id)
    expectAgreement(json)
    expect(Either.isRight(AsyncAction.decodeUnknownEither({ ...json, extra: [1, 2, 3] }))).toBe(true)
  })

  it("optional fields may be missing (2021 documentation shape)", () => {
    const json = {
      id: "aa_0adad13d6f057f088e",
      type: "CAMPAIGN.VOUCHERS_IMPORT",
      status: "DONE",
      result: { message: "3 voucher(s) imported successfully, 0 failed." },
      created_at: "2021-03-11T08:03:51.379Z",
      object: "async_action"
    }
    const decoded = Either.getOrThrow(AsyncAction.decodeUnknownEither(json))
    expect(decoded.updatedAt).toBeUndefined()
    expect(decoded.progress).toBeUndefined()
    expect(asJson(encode(decoded))).toStrictEqual(json)
  })

  it("requires id, type, status and created_at", () => {
    const json = getExamples[0]![1]
    for (const key of ["id", "type", "status", "created_at"]) {
      const { [key]: _, ...rest } = json
      expect(Either.isLeft(AsyncAction.decodeUnknownEither(rest))).toBe(true)
    }
  })

  it("keeps an unknown type and its result verbatim", () => {
    const json = {
      id: "aa_1",
      type: "LOYALTIES.POINTS_EXPIRE",
      status: "DONE",
      result: { expired: 12, nested: [{ a: null }] },
      created_at: "2025-01-01T00:00:00.000Z"
    }
    const decoded = Either.getOrThrow(AsyncAction.decodeUnknownEither(json))
    expect(decoded.type).toBe("LOYALTIES.POINTS_EXPIRE")
    expect(decoded.result).toStrictEqual({ _tag: "Unrecognized", raw: json.result })
    expect(asJson(encode(decoded))).toStrictEqual(json)
  })

  it("rejects malformed timestamps, out-of-range progress and unknown statuses", () => {
    const json = getExamples[0]![1]
    for (const patch of [
      { created_at: "2023-02-30T00:00:00.000Z" },
      { created_at: "yesterday" },
      { created_at: "Fri, 20 Jan 2023 06:50:49 GMT" },
      { updated_at: "" },
      { progress: 101 },
      { progress: 1.5 },
      { processing_time: -1 },
      { status: "CANCELLED" },
      { operation_status: "MAYBE" },
      { object: "voucher" },
      { id: "../aa_1" },
      { request_id: "has space" },
      { type: "X".repeat(201) }
    ]) {
      const input = { ...json, ...patch }
      expect(Either.isLeft(AsyncAction.decodeUnknownEither(input)), JSON.stringify(patch)).toBe(true)
      expectAgreement(input)
    }
  })

  it("normalises offsets to UTC and re-encodes with milliseconds", () => {
    const json = { ...getExamples[0]![1], created_at: "2023-01-20T07:50:49+01:00" }
    const decoded = Either.getOrThrow(AsyncAction.decodeUnknownEither(json))
    expect(encode(decoded).created_at).toBe("2023-01-20T06:50:49.000Z")
  })

  it("decodeJson separates malformed JSON from a schema mismatch", () => {
    const malformed = AsyncAction.decodeJson('{"id": "aa_1", ')
    expect(Either.isLeft(malformed) && malformed.left._tag).toBe("MalformedJson")
    const mismatch = AsyncAction.decodeJson('{"id": "aa_1"}')
    expect(Either.isLeft(mismatch) && mismatch.left._tag).toBe("ParseError")
    expect(Either.isLeft(mismatch) && ParseResult.isParseError(mismatch.left)).toBe(true)
  })

  it("encode ∘ decode is the identity on arbitrary actions", () => {
    fc.assert(
      fc.property(wireActionArb, (json) => {
        const decoded = Either.getOrThrow(AsyncAction.decodeUnknownEither(json))
        expect(asJson(encode(decoded))).toStrictEqual(json)
      }),
      { numRuns: 500 }
    )
  })

  it("the fast decoder agrees with the Schema decoder on arbitrary and damaged actions", () => {
    fc.assert(fc.property(wireActionArb, expectAgreement), { numRuns: 300 })
    fc.assert(
      fc.property(
        wireActionArb.chain((json) => mutate(json)),
        expectAgreement
      ),
      { numRuns: 1000 }
    )
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), expectAgreement), { numRuns: 300 })
  })

  it("AsyncActionListItem decodes list items to the same type, keeping a stray result verbatim", () => {
    const decodeItem = Schema.decodeUnknownEither(AsyncAction.AsyncActionListItem)
    const encodeItem = Schema.encodeSync(AsyncAction.AsyncActionListItem)
    fc.assert(
      fc.property(wireListItemArb, (json) => {
        const item = Either.getOrThrow(decodeItem(json))
        const full = Either.getOrThrow(schemaDecode(json))
        expect(normalize(item)).toStrictEqual(normalize(full))
        expect(asJson(encodeItem(item))).toStrictEqual(json)
      }),
      { numRuns: 300 }
    )
    const stray = { ...getExamples[0]![1] }
    const item = Either.getOrThrow(decodeItem(stray))
    expect(item.result).toStrictEqual({ _tag: "Unrecognized", raw: stray.result })
    expect(asJson(encodeItem(item))).toStrictEqual(stray)
  })

  it("a result is typed by the action's type; without one (absent, or a key holding undefined) none is kept", () => {
    const decodeItem = Schema.decodeUnknownEither(AsyncAction.AsyncActionListItem)
    fc.assert(
      fc.property(wireActionArb, fc.boolean(), (json, undefinedResult) => {
        const input = json.result === undefined && undefinedResult ? { ...json, result: undefined } : json
        for (const decode of [schemaDecode, AsyncAction.decodeUnknownEither]) {
          const action = Either.getOrThrow(decode(input))
          if (json.result === undefined) {
            expect(Object.keys(action)).not.toContain("result")
            // The list item schema has no whole-object step: an independent account of the other fields.
            expect(normalize(action)).toStrictEqual(normalize(Either.getOrThrow(decodeItem(json))))
          } else {
            expect(action.result).toStrictEqual(AsyncActionResult.decodeFor(action.type, json.result))
            const { result: _, ...rest } = json
            const { result: __, ...fields } = action
            expect(normalize(fields)).toStrictEqual(normalize(Either.getOrThrow(decodeItem(rest))))
          }
        }
      }),
      { numRuns: 300 }
    )
  })

  describe("isTerminal / outcome", () => {
    it.each([
      ["ENQUEUED", undefined, false, "Pending"],
      ["IN_PROGRESS", undefined, false, "Pending"],
      ["IN_PROGRESS", "FAILED", false, "Pending"],
      ["DONE", undefined, true, "Succeeded"],
      ["DONE", "SUCCESS", true, "Succeeded"],
      ["DONE", "UNKNOWN", true, "Succeeded"],
      ["DONE", "FAILED", true, "Failed"],
      ["FAILED", undefined, true, "Failed"],
      ["FAILED", "SUCCESS", true, "Failed"]
    ] as const)("%s / %s", (status, operationStatus, terminal, outcome) => {
      const action = operationStatus === undefined ? { status } : { status, operationStatus }
      expect(AsyncAction.isTerminal(action)).toBe(terminal)
      expect(AsyncAction.outcome(action)).toBe(outcome)
    })
  })

  it.effect("decodes inside an Effect program", () =>
    Effect.gen(function* () {
      const json = getExamples[0]![1]
      const action = yield* Schema.decodeUnknown(AsyncAction.AsyncAction)(json)
      expect(action.id).toBe(json.id)
    })
  )
})
