/**
 * The async action, decoded from the API's snake_case JSON into camelCase fields and encoded back to
 * exactly the wire shape. Fields the API has been seen to omit are optional; unknown extra
 * properties (such as `user` and `log_id`, added in 2025) are tolerated.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { AsyncActionId, RequestId } from "./AsyncActionId.js"
import * as AsyncActionResult from "./AsyncActionResult.js"
import { AsyncActionType } from "./AsyncActionType.js"
import * as Decoder from "./Decoder.js"
import { IsoDateTimeUtc } from "./IsoDateTime.js"
import { compiledCheck } from "./internal/compile.js"
import { NonNegativeInt } from "./internal/NonNegativeInt.js"

/**
 * @since 0.1.0
 * @category schemas
 */
export const Status = Schema.Literal("ENQUEUED", "IN_PROGRESS", "DONE", "FAILED").annotations({
  identifier: "AsyncActionStatus"
})

/**
 * @since 0.1.0
 * @category models
 */
export type Status = typeof Status.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const OperationStatus = Schema.Literal("SUCCESS", "FAILED", "UNKNOWN").annotations({
  identifier: "OperationStatus"
})

/**
 * @since 0.1.0
 * @category models
 */
export type OperationStatus = typeof OperationStatus.Type

/**
 * Percent complete, an integer 0..100.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Progress = Schema.Int.pipe(
  Schema.between(0, 100),
  Schema.annotations({
    identifier: "Progress",
    // The same test for the compiled decoders (`Number.isSafeInteger` is `Int`'s own).
    ...compiledCheck((u) => Number.isSafeInteger(u) && (u as number) >= 0 && (u as number) <= 100)
  })
)

// The fields every action has, list item or GET-by-id. One definition feeds both sides of the
// schema below, so the wire shape is written once.
const baseFields = {
  id: AsyncActionId,
  type: AsyncActionType,
  status: Status,
  operationStatus: Schema.optional(OperationStatus).pipe(Schema.fromKey("operation_status")),
  createdAt: Schema.propertySignature(IsoDateTimeUtc).pipe(Schema.fromKey("created_at")),
  updatedAt: Schema.optional(IsoDateTimeUtc).pipe(Schema.fromKey("updated_at")),
  requestId: Schema.optional(RequestId).pipe(Schema.fromKey("request_id")),
  processingTime: Schema.optional(NonNegativeInt).pipe(Schema.fromKey("processing_time")),
  progress: Schema.optional(Progress),
  object: Schema.optional(Schema.Literal("async_action"))
}

const hasOwn = Object.prototype.hasOwnProperty

const WireAsyncAction = Schema.Struct({ ...baseFields, result: Schema.optional(Schema.Unknown) })

const TypedAsyncAction = Schema.typeSchema(
  Schema.Struct({ ...baseFields, result: Schema.optional(AsyncActionResult.AsyncActionResultType) })
)

/**
 * An async action. `result` (GET-by-id only; list items never carry it) is decoded by the action's `type`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AsyncAction = Schema.transform(WireAsyncAction, TypedAsyncAction, {
  strict: true,
  // `TypedAsyncAction` validates the value again and builds an object of its own, so a wire value without a
  // `result` key is passed on as it is: an object rest (`{ result, ...action }`) copies through V8's slow
  // path, and measured at about a tenth of a GET answer's decoding.
  decode: (wire) => {
    if (wire.result !== undefined) return { ...wire, result: AsyncActionResult.decodeFor(wire.type, wire.result) }
    if (!hasOwn.call(wire, "result")) return wire as Omit<typeof wire, "result">
    const { result: _, ...action } = wire
    return action
  },
  encode: ({ result, ...action }) =>
    result === undefined ? action : { ...action, result: AsyncActionResult.encode(result) }
}).annotations({ identifier: "AsyncAction" })

/**
 * @since 0.1.0
 * @category models
 */
export interface AsyncAction extends Schema.Schema.Type<typeof AsyncAction> {}

/**
 * The wire JSON of an action (snake_case).
 *
 * @since 0.1.0
 * @category models
 */
export interface AsyncActionEncoded extends Schema.Schema.Encoded<typeof AsyncAction> {}

// A `result` met where the parent's type is not at hand (a list item): kept verbatim as `Unrecognized`.
const ResultWithoutParent = Schema.transform(Schema.Unknown, AsyncActionResult.AsyncActionResultType, {
  strict: true,
  decode: (raw): AsyncActionResult.AsyncActionResult => ({ _tag: "Unrecognized", raw }),
  encode: (result) => AsyncActionResult.encode(result)
})

/**
 * An item of a list page: the same {@link AsyncAction} type and wire shape, decoded without the
 * whole-object step that types `result` by the parent's `type`. List items never carry `result`
 * (the API omits it); should one arrive, it is kept verbatim as an `Unrecognized` result, so nothing
 * is lost and it re-encodes unchanged. Several times cheaper to decode than {@link AsyncAction}.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AsyncActionListItem: Schema.Schema<AsyncAction, AsyncActionEncoded> = Schema.Struct({
  ...baseFields,
  result: Schema.optional(ResultWithoutParent)
}).annotations({ identifier: "AsyncActionListItem" })

/**
 * DONE and FAILED are final; ENQUEUED and IN_PROGRESS are not.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTerminal = (action: { readonly status: Status }): boolean =>
  action.status === "DONE" || action.status === "FAILED"

/**
 * How an action ended, or `Pending` while it runs.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = "Pending" | "Succeeded" | "Failed"

/**
 * The outcome of an action. DONE with `operationStatus: "FAILED"` counts as failed.
 *
 * @since 0.1.0
 * @category utils
 */
export const outcome = (action: {
  readonly status: Status
  readonly operationStatus?: OperationStatus | undefined
}): Outcome => {
  switch (action.status) {
    case "ENQUEUED":
    case "IN_PROGRESS":
      return "Pending"
    case "FAILED":
      return "Failed"
    case "DONE":
      return action.operationStatus === "FAILED" ? "Failed" : "Succeeded"
  }
}

const decoder = Decoder.make(AsyncAction)

/**
 * Decodes already-parsed JSON into an {@link AsyncAction}. Same result as
 * `Schema.decodeUnknownEither(AsyncAction)` (and the same `ParseError` on failure), several times faster.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeUnknownEither: (input: unknown) => Either.Either<AsyncAction, ParseResult.ParseError> =
  decoder.decodeUnknownEither

/**
 * Decodes the JSON text of `GET /v1/async-actions/{id}`: `MalformedJson` when it is not JSON, the
 * Schema's `ParseError` when it is JSON of the wrong shape.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeJson: (text: string) => Either.Either<AsyncAction, Decoder.DecodeFailure> = decoder.decodeJson
