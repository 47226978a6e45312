import { describe, expect, it } from "@effect/vitest"
import { Either, Equal, Schema } from "effect"
import type * as SchemaAST from "effect/SchemaAST"
import * as fc from "fast-check"
import * as AsyncAction from "../src/AsyncAction.js"
import * as AsyncActionId from "../src/AsyncActionId.js"
import * as AsyncActionList from "../src/AsyncActionList.js"
import * as AsyncActionResult from "../src/AsyncActionResult.js"
import * as AsyncActionType from "../src/AsyncActionType.js"
import * as IsoDateTime from "../src/IsoDateTime.js"
import { CheckAnnotationId, CompiledAnnotationId, Fail } from "../src/internal/compile.js"
import { NonNegativeInt } from "../src/internal/NonNegativeInt.js"
import { idArb, isoDate, requestIdArb, timestampFieldsArb, timestampText, typeArb } from "./helpers.js"

// Every node of the package's schemas that hands the compiler a decoder or a test of its own: each one
// stands in for the Schema decoder of that node on the fast path, so each must agree with it exactly.
const annotatedNodes = (roots: ReadonlyArray<SchemaAST.AST>): ReadonlyArray<SchemaAST.AST> => {
  const seen = new Set<SchemaAST.AST>()
  const found: Array<SchemaAST.AST> = []
  const walk = (node: SchemaAST.AST): void => {
    if (seen.has(node)) return
    seen.add(node)
    if (node.annotations[CompiledAnnotationId] !== undefined || node.annotations[CheckAnnotationId] !== undefined) {
      found.push(node)
    }
    const children: ReadonlyArray<SchemaAST.AST> =
      node._tag === "Refinement"
        ? [node.from]
        : node._tag === "Transformation"
          ? [node.from, node.to]
          : node._tag === "Union"
            ? node.types
            : node._tag === "TypeLiteral"
              ? node.propertySignatures.map((ps) => ps.type)
              : node._tag === "TupleType"
                ? [...node.elements.map((e) => e.type), ...node.rest.map((r) => r.type)]
                : node._tag === "Declaration"
                  ? node.typeParameters
                  : node._tag === "Suspend"
                    ? [node.f()]
                    : []
    children.forEach(walk)
  }
  roots.forEach(walk)
  return found
}

const nodes = annotatedNodes([
  AsyncAction.AsyncAction.ast,
  AsyncAction.AsyncActionListItem.ast,
  AsyncActionList.AsyncActionList.ast,
  AsyncActionResult.AsyncActionResultType.ast,
  AsyncActionResult.ImportResult.ast,
  AsyncActionResult.SummaryResult.ast,
  AsyncActionResult.BulkUpdateResult.ast
])

// A valid text damaged in one place: a character removed, replaced or inserted.
const damaged = (valid: fc.Arbitrary<string>) =>
  fc
    .tuple(valid, fc.nat(), fc.constantFrom("delete", "replace", "insert"), fc.oneof(fc.char(), fc.fullUnicode()))
    .map(([text, at, op, char]) => {
      const i = text.length === 0 ? 0 : at % text.length
      if (op === "delete") return text.slice(0, i) + text.slice(i + 1)
      if (op === "replace") return text.slice(0, i) + char + text.slice(i + 1)
      return text.slice(0, i) + char + text.slice(i)
    })

// Canonical-looking timestamps (fields now and then out of range), with and without a zone.
const timestampLike = fc
  .tuple(timestampFieldsArb, fc.constantFrom("Z", "+01:00", "-05:30", ""))
  .map(([fields, zone]) => timestampText(fields, zone))

const edgeChars = [
  "\u0000",
  " ",
  "!",
  "/",
  "0",
  "9",
  ":",
  "@",
  "A",
  "Z",
  "[",
  "_",
  "`",
  "a",
  "z",
  "{",
  "~",
  "\u007f",
  "é"
]

const strings = fc.oneof(
  idArb,
  requestIdArb,
  typeArb,
  isoDate,
  timestampLike,
  damaged(fc.oneof(idArb, requestIdArb, isoDate, typeArb)),
  fc.string(),
  fc.fullUnicodeString(),
  fc.string({ minLength: 60, maxLength: 210 }),
  // Characters next to the edges of the patterns' classes, after the id prefix and alone.
  fc
    .tuple(fc.constantFrom("aa_", "", "aa"), fc.string({ unit: fc.constantFrom(...edgeChars), maxLength: 6 }))
    .map(([prefix, rest]) => prefix + rest),
  // One such character inside a valid id or request id (twice as often: most ids are valid but for it).
  ...[1, 2].map(() =>
    fc.tuple(fc.oneof(idArb, requestIdArb), fc.constantFrom(...edgeChars), fc.nat()).map(([valid, char, at]) => {
      const i = 3 + (at % Math.max(valid.length - 2, 1))
      return valid.slice(0, i) + char + valid.slice(i)
    })
  ),
  // Lengths at the edges of every length limit.
  fc
    .tuple(fc.constantFrom("aa_", ""), fc.constantFrom(0, 1, 63, 64, 65, 124, 125, 127, 128, 129, 199, 200, 201))
    .map(([prefix, n]) => prefix + "a".repeat(n))
)

const numbers = fc.oneof(
  fc.integer({ min: -5, max: 110 }),
  fc.double(),
  fc.constantFrom(-0, Number.NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 0.5, 100.5, 1e21)
)

const inputs = fc.oneof(strings, numbers, fc.anything())

describe("compiled annotations (what the fast path runs instead of a node's own decoding)", () => {
  it("are found where the package puts them", () => {
    const expected = [
      IsoDateTime.IsoDateTimeUtc.ast,
      AsyncActionId.AsyncActionId.ast,
      AsyncActionId.RequestId.ast,
      AsyncActionType.UnknownAsyncActionType.ast,
      AsyncAction.Progress.ast,
      NonNegativeInt.ast
    ]
    for (const ast of expected) expect(nodes).toContain(ast)
    expect(nodes).toHaveLength(expected.length)
  })

  it.each(nodes.map((node) => [String(node), node] as const))(
    "%s: accepts exactly what the Schema decoder accepts, with the same value",
    (_, node) => {
      const slow = Schema.decodeUnknownEither(Schema.make(node))
      const hook = node.annotations[CompiledAnnotationId] as ((u: unknown) => unknown) | undefined
      const check = node.annotations[CheckAnnotationId] as ((u: unknown) => boolean) | undefined
      fc.assert(
        fc.property(inputs, (u) => {
          const expected = slow(u)
          if (check !== undefined) {
            expect(check(u)).toBe(Either.isRight(expected))
            if (Either.isRight(expected)) expect(Object.is(expected.right, u)).toBe(true)
          }
          if (hook !== undefined) {
            const actual = hook(u)
            expect(actual === Fail).toBe(Either.isLeft(expected))
            if (Either.isRight(expected)) {
              expect(actual).toStrictEqual(expected.right)
              expect(Object.getPrototypeOf(actual)).toBe(Object.getPrototypeOf(expected.right))
              expect(Equal.equals(actual, expected.right)).toBe(true)
            }
          }
        }),
        { numRuns: 3000 }
      )
    },
    60_000
  )
})
