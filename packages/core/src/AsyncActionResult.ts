/**
 * The `result` of a finished action, typed by the action's `type` (the spec's `oneOf` has no
 * discriminator and its branches overlap, so the parent type is the only reliable key).
 * A result that fits no family is kept verbatim as `Unrecognized`: never dropped, never a failure.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { type AsyncActionType, resultFamily } from "./AsyncActionType.js"
import { IsoDateTimeUtc } from "./IsoDateTime.js"
import { withFallback } from "./internal/compile.js"
import { NonNegativeInt } from "./internal/NonNegativeInt.js"

/**
 * One rejected row of an import. Which fields are present depends on the import type; upstream sends
 * `source_id: null` for orders, so it is nullable here.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ImportFailure = Schema.Struct({
  code: Schema.optional(Schema.String),
  row: Schema.optional(Schema.Number),
  sourceId: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("source_id")),
  reason: Schema.optional(Schema.String)
}).annotations({ identifier: "ImportFailure" })

/**
 * @since 0.1.0
 * @category models
 */
export type ImportFailure = typeof ImportFailure.Type

// Upstream examples send `failed` as an array although the spec declares an object: accept both,
// always expose an array (and always encode one).
const FailedRows = Schema.transform(
  Schema.Union(Schema.Array(ImportFailure), ImportFailure),
  Schema.Array(Schema.typeSchema(ImportFailure)),
  {
    strict: true,
    decode: (failed): ReadonlyArray<ImportFailure> => (isArray(failed) ? failed : [failed]),
    encode: (failed) => failed
  }
)

const isArray = <A>(value: A | ReadonlyArray<A>): value is ReadonlyArray<A> => Array.isArray(value)

/**
 * Result of imports (`*.IMPORT`, `*.IMPORT_CSV`): counts and the rejected rows.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ImportResult = Schema.Struct({
  message: Schema.optional(Schema.String),
  failed: Schema.optional(FailedRows),
  doneCount: Schema.optional(NonNegativeInt).pipe(Schema.fromKey("done_count")),
  failedCount: Schema.optional(NonNegativeInt).pipe(Schema.fromKey("failed_count"))
}).pipe(Schema.attachPropertySignature("_tag", "Import"), Schema.annotations({ identifier: "ImportResult" }))

/**
 * @since 0.1.0
 * @category models
 */
export type ImportResult = typeof ImportResult.Type

/**
 * Result of voucher updates, deletes, generation and metadata key purges: `{message, done_count}`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SummaryResult = Schema.Struct({
  message: Schema.optional(Schema.String),
  doneCount: Schema.optional(NonNegativeInt).pipe(Schema.fromKey("done_count"))
}).pipe(Schema.attachPropertySignature("_tag", "Summary"), Schema.annotations({ identifier: "SummaryResult" }))

/**
 * @since 0.1.0
 * @category models
 */
export type SummaryResult = typeof SummaryResult.Type

/**
 * One error of a bulk or metadata update. Vouchers name the row by `code`, others by `source_id`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BulkUpdateError = Schema.Struct({
  message: Schema.optional(Schema.String),
  details: Schema.optional(Schema.String),
  key: Schema.optional(Schema.String),
  sourceId: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("source_id")),
  code: Schema.optional(Schema.String)
}).annotations({ identifier: "BulkUpdateError" })

/**
 * @since 0.1.0
 * @category models
 */
export type BulkUpdateError = typeof BulkUpdateError.Type

/**
 * Result of `*.BULK_UPDATE` and `*.METADATA_UPDATE`: counts, report links and per-row errors.
 * The spec marks the counts as required for bulk updates; they are optional here so a sparse
 * result still decodes into this family rather than falling back to `Unrecognized`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BulkUpdateResult = Schema.Struct({
  doneCount: Schema.optional(NonNegativeInt).pipe(Schema.fromKey("done_count")),
  failedCount: Schema.optional(NonNegativeInt).pipe(Schema.fromKey("failed_count")),
  reports: Schema.optional(Schema.Array(Schema.String)),
  reportsAvailableTill: Schema.optional(IsoDateTimeUtc).pipe(Schema.fromKey("reports_available_till")),
  errors: Schema.optional(Schema.Array(BulkUpdateError))
}).pipe(Schema.attachPropertySignature("_tag", "BulkUpdate"), Schema.annotations({ identifier: "BulkUpdateResult" }))

/**
 * @since 0.1.0
 * @category models
 */
export type BulkUpdateResult = typeof BulkUpdateResult.Type

/**
 * A result of a shape no family describes (or of a type this library does not know), kept as raw JSON.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnrecognizedResult = Schema.TaggedStruct("Unrecognized", { raw: Schema.Unknown }).annotations({
  identifier: "UnrecognizedResult"
})

/**
 * @since 0.1.0
 * @category models
 */
export type UnrecognizedResult = typeof UnrecognizedResult.Type

/**
 * The decoded result, discriminated by `_tag`.
 *
 * @since 0.1.0
 * @category models
 */
export type AsyncActionResult = ImportResult | SummaryResult | BulkUpdateResult | UnrecognizedResult

/**
 * The decoded (type-side) schema of a result, for use inside other schemas.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AsyncActionResultType: Schema.Schema<AsyncActionResult> = Schema.Union(
  Schema.typeSchema(ImportResult),
  Schema.typeSchema(SummaryResult),
  Schema.typeSchema(BulkUpdateResult),
  UnrecognizedResult
)

// A family only claims a result it describes completely (`onExcessProperty: "error"`): a result with a
// property the family does not know stays `Unrecognized`, so re-encoding never drops anything.
const exact = { onExcessProperty: "error" } as const

// Decoded on the compiled fast path (the Schema decoder decides whatever it is unsure of): a family
// decode used to be most of the cost of decoding a GET-by-id answer.
const exactDecoder = <A, I>(schema: Schema.Schema<A, I>) =>
  withFallback<A>(schema.ast, Schema.decodeUnknownEither(schema, exact), exact)

const families = {
  Import: {
    decode: exactDecoder(ImportResult),
    encode: Schema.encodeEither(ImportResult)
  },
  Summary: {
    decode: exactDecoder(SummaryResult),
    encode: Schema.encodeEither(SummaryResult)
  },
  BulkUpdate: {
    decode: exactDecoder(BulkUpdateResult),
    encode: Schema.encodeEither(BulkUpdateResult)
  }
} as const

const isPlainObject = (value: unknown): value is object =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Decodes a wire `result` by the parent's type. Never fails: a shape the family does not describe exactly
 * (a missing object, a wrong field type, a property the family does not know) becomes `Unrecognized`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeFor = (type: AsyncActionType, raw: unknown): AsyncActionResult => {
  const family = resultFamily(type)
  if (family === "Unrecognized" || !isPlainObject(raw)) return { _tag: "Unrecognized", raw }
  const decoded: Either.Either<AsyncActionResult, unknown> = families[family].decode(raw)
  return Either.getOrElse(decoded, () => ({ _tag: "Unrecognized" as const, raw }))
}

/**
 * Encodes a result back to its wire JSON (the inverse of {@link decodeFor}).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (result: AsyncActionResult): unknown => {
  switch (result._tag) {
    case "Unrecognized":
      return result.raw
    case "Import":
      return Either.getOrThrow(families.Import.encode(result))
    case "Summary":
      return Either.getOrThrow(families.Summary.encode(result))
    case "BulkUpdate":
      return Either.getOrThrow(families.BulkUpdate.encode(result))
  }
}
