import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import * as fc from "fast-check"
import * as AsyncActionId from "../src/AsyncActionId.js"
import { idArb, requestIdArb } from "./helpers.js"

const decodeId = Schema.decodeUnknownEither(AsyncActionId.AsyncActionId)
const decodeRequestId = Schema.decodeUnknownEither(AsyncActionId.RequestId)

describe("AsyncActionId", () => {
  it("decodes the ids of the examples", () => {
    for (const id of ["aa_0afb3d009a55814a48", "aa_0a875d56c805df6601", "aa_1"]) {
      expect(Either.getOrThrow(decodeId(id))).toBe(id)
    }
  })

  it.each([
    ["empty", ""],
    ["path traversal", "../x"],
    ["prefix only", "aa_"],
    ["slash", "aa_a/b"],
    ["10 000 characters", `aa_${"a".repeat(9997)}`],
    ["65 characters after the prefix", `aa_${"a".repeat(65)}`],
    ["upper-case prefix", "AA_1"],
    ["newline", "aa_1\n"],
    ["NUL", "aa_1\u0000"],
    ["tab", "aa_\t1"],
    ["DEL", "aa_1\u007f"],
    ["percent-encoded dots", "%2e%2e"],
    ["percent-encoded inside", "aa_%2e%2e"],
    ["query", "aa_1?x=1"],
    ["fragment", "aa_1#x"],
    ["space", "aa_1 2"],
    ["non-ASCII letter", "aa_é"],
    ["a number", 12],
    ["null", null]
  ])("rejects %s", (_, input) => {
    const result = decodeId(input)
    expect(Either.isLeft(result)).toBe(true)
  })

  it("explains the expected form", () => {
    const result = decodeId("aa_a/b")
    expect(Either.isLeft(result) && result.left.message).toContain(
      "must be `aa_` followed by 1 to 64 letters or digits"
    )
  })

  it("every accepted id is safe inside a URL path", () => {
    fc.assert(
      fc.property(fc.oneof(idArb, fc.string(), fc.fullUnicodeString()), (candidate) => {
        const result = decodeId(candidate)
        if (Either.isRight(result)) expect(encodeURIComponent(result.right)).toBe(result.right)
      }),
      { numRuns: 1000 }
    )
  })

  it("make builds a valid id and throws on an invalid one", () => {
    expect(AsyncActionId.make("aa_abc")).toBe("aa_abc")
    expect(() => AsyncActionId.make("../x")).toThrow()
  })

  it("RequestId accepts printable ids and rejects whitespace and empty text", () => {
    fc.assert(
      fc.property(requestIdArb, (id) => Either.isRight(decodeRequestId(id))),
      { numRuns: 300 }
    )
    expect(Either.getOrThrow(decodeRequestId("v-0c553853b5c418c826"))).toBe("v-0c553853b5c418c826")
    expect(Either.getOrThrow(decodeRequestId("w-0c554b225f8a0eb5fb"))).toBe("w-0c554b225f8a0eb5fb")
    for (const bad of ["", "v 1", "v-1\n", "x".repeat(129)]) expect(Either.isLeft(decodeRequestId(bad))).toBe(true)
    expect(AsyncActionId.makeRequestId("v-1")).toBe("v-1")
  })
})
