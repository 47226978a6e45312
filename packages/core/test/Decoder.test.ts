import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, ParseResult, Schema } from "effect"
import * as fc from "fast-check"
import * as Decoder from "../src/Decoder.js"
import { compile, Fail } from "../src/internal/compile.js"
import { normalize } from "./helpers.js"

// Schemas that use what the compiler handles specially, falls back on, or must not get wrong.
const schemas = {
  struct: Schema.Struct({
    a: Schema.String,
    b: Schema.optional(Schema.Number).pipe(Schema.fromKey("bee")),
    c: Schema.optionalWith(Schema.NumberFromString, { default: () => 7 })
  }),
  tagged: Schema.Union(
    Schema.TaggedStruct("A", { value: Schema.Number }),
    Schema.TaggedStruct("B", { value: Schema.String })
  ),
  overlapping: Schema.Union(Schema.Struct({ a: Schema.String }), Schema.Struct({ a: Schema.String, b: Schema.Number })),
  primitives: Schema.Union(Schema.NumberFromString, Schema.Number, Schema.Literal("x"), Schema.Null),
  array: Schema.Array(Schema.Struct({ n: Schema.Int.pipe(Schema.between(0, 9)) })),
  tuple: Schema.Tuple(Schema.String, Schema.Number),
  record: Schema.Record({ key: Schema.String, value: Schema.Number }),
  effectful: Schema.transformOrFail(Schema.String, Schema.String, {
    strict: true,
    decode: (s) => Effect.succeed(s.toUpperCase()),
    encode: (s) => Effect.succeed(s.toLowerCase())
  }),
  dates: Schema.Struct({ at: Schema.DateTimeUtc, also: Schema.optional(Schema.Date) }),
  // Unions of tests, nested: flattened, string literals tested last (more than four: one set lookup).
  nestedUnion: Schema.Union(
    Schema.Literal("A", "B", "C", "D", "E"),
    Schema.Union(Schema.String.pipe(Schema.maxLength(1)), Schema.Number.pipe(Schema.int())),
    Schema.Null
  ),
  // Parse options of its own: never compiled (the slow path decides).
  ownOptions: Schema.Struct({ a: Schema.optional(Schema.String) }).annotations({
    parseOptions: { onExcessProperty: "error" }
  })
} as const

const input = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    // `bee: undefined` is an own key (decoded as present), unlike a missing one.
    { a: fc.string(), bee: fc.oneof(fc.double(), fc.string(), fc.constant(undefined)), c: fc.string({ maxLength: 3 }) },
    { requiredKeys: [] }
  ),
  fc.record({ _tag: fc.constantFrom("A", "B", "C"), value: fc.oneof(fc.double(), fc.string()) }),
  fc.array(fc.record({ n: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double()) }), { maxLength: 3 }),
  fc.record({ at: fc.oneof(fc.string(), fc.constant("2023-01-01T00:00:00.000Z")), also: fc.string() })
)

describe("Decoder", () => {
  it.each(Object.entries(schemas))("%s: agrees with the Schema decoder", (_, schema) => {
    const decoder = Decoder.make(schema as Schema.Schema<unknown, unknown>)
    const slow = Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)
    const compiled = compile(schema.ast)
    // The same compiler with its generated field code off (runtimes that forbid `new Function`).
    const generic = compile(schema.ast, undefined, false)
    fc.assert(
      fc.property(input, (u) => {
        const expected = slow(u)
        const actual = decoder.decodeUnknownEither(u)
        expect(Either.isRight(actual)).toBe(Either.isRight(expected))
        if (Either.isRight(actual) && Either.isRight(expected)) {
          expect(normalize(actual.right)).toStrictEqual(normalize(expected.right))
        }
        if (Either.isLeft(actual) && Either.isLeft(expected)) expect(actual.left.message).toBe(expected.left.message)
        const raw = compiled(u)
        if (raw !== Fail) {
          expect(Either.isRight(expected)).toBe(true)
          if (Either.isRight(expected)) expect(normalize(raw)).toStrictEqual(normalize(expected.right))
        }
        const rawGeneric = generic(u)
        expect(rawGeneric === Fail).toBe(raw === Fail)
        if (rawGeneric !== Fail) expect(normalize(rawGeneric)).toStrictEqual(normalize(raw))
      }),
      { numRuns: 400 }
    )
  })

  it("falls back rather than guess: effectful transformations and overlapping unions", () => {
    expect(compile(schemas.effectful.ast)("abc")).toBe(Fail)
    expect(Either.getOrThrow(Decoder.make(schemas.effectful).decodeUnknownEither("abc"))).toBe("ABC")
    expect(compile(schemas.overlapping.ast)({ a: "x", b: 1 })).toBe(Fail)
    expect(compile(schemas.record.ast)({ a: 1 })).toBe(Fail)
    expect(compile(schemas.ownOptions.ast)({ a: "x", b: 1 })).toBe(Fail)
    expect(Either.isLeft(Decoder.make(schemas.ownOptions).decodeUnknownEither({ a: "x", b: 1 }))).toBe(true)
  })

  it("exact mode (onExcessProperty: error): any own key the struct does not declare is not certain", () => {
    const exact = { onExcessProperty: "error" } as const
    const schema = Schema.Struct({ a: Schema.String, b: Schema.optional(Schema.Number) })
    const slow = Schema.decodeUnknownEither(schema, exact)
    const fast = compile(schema.ast, exact)
    const generic = compile(schema.ast, exact, false)
    const hidden = Object.defineProperty({ a: "x" }, "c", { value: 1, enumerable: false })
    const inputs: ReadonlyArray<unknown> = [
      { a: "x" },
      { a: "x", b: 1 },
      { a: "x", b: undefined },
      { a: "x", c: 1 },
      { a: "x", b: 1, c: undefined },
      { a: "x", [Symbol.for("s")]: 1 },
      hidden
    ]
    for (const u of inputs) {
      const expected = slow(u)
      for (const compiled of [fast, generic]) {
        const raw = compiled(u)
        if (raw !== Fail) expect(expected).toStrictEqual(Either.right(raw))
      }
    }
    expect(fast({ a: "x", b: 1 })).toStrictEqual({ a: "x", b: 1 })
    expect(fast({ a: "x", c: 1 })).toBe(Fail)
    expect(fast({ a: "x", [Symbol.for("s")]: 1 })).toBe(Fail)
  })

  it("takes the fast path for what it compiles", () => {
    expect(compile(schemas.struct.ast)({ a: "x", bee: 1, c: "3" })).toStrictEqual({ a: "x", b: 1, c: 3 })
    expect(compile(schemas.struct.ast)({ a: "x", bee: undefined })).toStrictEqual({ a: "x", b: undefined, c: 7 })
    expect(compile(schemas.struct.ast)({ a: "x" })).toStrictEqual({ a: "x", c: 7 })
    expect(compile(schemas.tagged.ast)({ _tag: "B", value: "v" })).toStrictEqual({ _tag: "B", value: "v" })
    expect(compile(schemas.array.ast)([{ n: 1 }, { n: 9 }])).toStrictEqual([{ n: 1 }, { n: 9 }])
    for (const u of ["C", "x", 7, null]) expect(compile(schemas.nestedUnion.ast)(u)).toBe(u)
    for (const u of ["xy", 7.5, undefined]) expect(compile(schemas.nestedUnion.ast)(u)).toBe(Fail)
  })

  it("decodeJson: MalformedJson for text that is not JSON, ParseError for the wrong shape", () => {
    const decoder = Decoder.make(schemas.tagged)
    const malformed = decoder.decodeJson("{")
    expect(Either.isLeft(malformed) && malformed.left._tag).toBe("MalformedJson")
    expect(Either.isLeft(malformed) && malformed.left.message).toMatch(/^Malformed JSON: /)
    const mismatch = decoder.decodeJson('{"_tag":"C"}')
    expect(Either.isLeft(mismatch) && ParseResult.isParseError(mismatch.left)).toBe(true)
    expect(Decoder.parseJson("[1]")).toStrictEqual(Either.right([1]))
  })
})
