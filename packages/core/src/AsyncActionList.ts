/**
 * One page of `GET /v1/async-actions` and the query that asks for it.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { AsyncActionListItem, Status } from "./AsyncAction.js"
import { isKnown, type KnownAsyncActionType, knownTypes } from "./AsyncActionType.js"
import * as Decoder from "./Decoder.js"
import * as IsoDateTime from "./IsoDateTime.js"
import { shown } from "./internal/shown.js"
import { InvalidInput } from "./VoucherifyError.js"

/**
 * A page of actions, newest first. `hasMore` is optional because the upstream example omits it.
 * Items decode with {@link AsyncActionListItem} (list items carry no `result`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const AsyncActionList = Schema.Struct({
  object: Schema.optional(Schema.Literal("list")),
  dataRef: Schema.optional(Schema.Literal("async_actions")).pipe(Schema.fromKey("data_ref")),
  asyncActions: Schema.propertySignature(Schema.Array(AsyncActionListItem)).pipe(Schema.fromKey("async_actions")),
  hasMore: Schema.optional(Schema.Boolean).pipe(Schema.fromKey("has_more"))
}).annotations({ identifier: "AsyncActionList" })

/**
 * @since 0.1.0
 * @category models
 */
export interface AsyncActionList extends Schema.Schema.Type<typeof AsyncActionList> {}

/**
 * @since 0.1.0
 * @category models
 */
export interface AsyncActionListEncoded extends Schema.Schema.Encoded<typeof AsyncActionList> {}

/**
 * Page size: an integer from 1 to 100.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Limit = Schema.Number.pipe(
  Schema.int({ message: () => "must be an integer between 1 and 100" }),
  Schema.between(1, 100, { message: () => "must be an integer between 1 and 100" }),
  Schema.annotations({ identifier: "Limit" })
)

/**
 * Parses an ISO 8601 date-time (with an offset or `Z`) or a date-only value (`2016-11-16`, midnight UTC).
 * Calendar fields are checked, so `2023-02-30` is refused rather than rolled over to March.
 * (The same parser as {@link IsoDateTime.parse}.)
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseDate: (input: string) => Either.Either<DateTime.Utc, string> = IsoDateTime.parse

/**
 * What a caller may pass as `endDate`: ISO text, a `Date` or an Effect `DateTime`.
 *
 * @since 0.1.0
 * @category models
 */
export type DateInput = string | Date | DateTime.DateTime

/**
 * A validated list query.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListQuery {
  readonly limit?: number
  readonly endDate?: DateTime.Utc
}

/**
 * What a caller passes to list a page.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListQueryInput {
  readonly limit?: number | undefined
  readonly endDate?: DateInput | undefined
}

const decodeLimit = Schema.decodeUnknownEither(Limit)

/**
 * Validates a `limit` value, naming the field and the value on failure.
 *
 * @since 0.1.0
 * @category validation
 */
export const validateLimit = (value: unknown, field = "limit"): Either.Either<number, InvalidInput> => {
  return Either.mapLeft(
    decodeLimit(value),
    (error) =>
      new InvalidInput({
        field,
        reason: `${firstMessage(error, "must be an integer between 1 and 100")} (got ${shown(value)})`
      })
  )
}

/**
 * Validates a date given as ISO text, `Date` or `DateTime`, naming the field on failure.
 *
 * @since 0.1.0
 * @category validation
 */
export const validateDate = (value: unknown, field = "endDate"): Either.Either<DateTime.Utc, InvalidInput> => {
  if (typeof value === "string") {
    return Either.mapLeft(
      parseDate(value),
      (reason) => new InvalidInput({ field, reason: `${shown(value)} ${reason}` })
    )
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime())
      ? Either.left(new InvalidInput({ field, reason: "is an invalid Date" }))
      : Either.right(DateTime.unsafeMake(value))
  }
  if (DateTime.isDateTime(value)) return Either.right(DateTime.toUtc(value))
  return Either.left(new InvalidInput({ field, reason: "must be an ISO 8601 string, a Date or a DateTime" }))
}

const statuses = Status.literals

/**
 * Validates a status filter, case-insensitively (`done` is `DONE`), naming the field and the value on failure.
 *
 * @since 0.2.0
 * @category validation
 */
export const validateStatus = (value: unknown, field = "status"): Either.Either<Status, InvalidInput> => {
  const upper = typeof value === "string" ? value.trim().toUpperCase() : undefined
  const found = statuses.find((status) => status === upper)
  return found !== undefined
    ? Either.right(found)
    : Either.left(
        new InvalidInput({ field, reason: `${shown(value)} is not a status (one of ${statuses.join(", ")})` })
      )
}

/**
 * Validates a type filter against the documented async action types, case-insensitively
 * (`vouchers.import` is `VOUCHERS.IMPORT`), naming the field and the value on failure.
 *
 * @since 0.2.0
 * @category validation
 */
export const validateType = (value: unknown, field = "type"): Either.Either<KnownAsyncActionType, InvalidInput> => {
  const upper = typeof value === "string" ? value.trim().toUpperCase() : ""
  return isKnown(upper)
    ? Either.right(upper)
    : Either.left(
        new InvalidInput({
          field,
          reason: `${shown(value)} is not an async action type (one of ${knownTypes.join(", ")})`
        })
      )
}

/**
 * Validates a whole list query before any request is sent.
 *
 * @since 0.1.0
 * @category validation
 */
export const validateListQuery = (input: ListQueryInput): Either.Either<ListQuery, InvalidInput> =>
  Either.gen(function* () {
    const limit = input.limit === undefined ? undefined : yield* validateLimit(input.limit)
    const endDate = input.endDate === undefined ? undefined : yield* validateDate(input.endDate)
    return {
      ...(limit === undefined ? {} : { limit }),
      ...(endDate === undefined ? {} : { endDate })
    }
  })

/**
 * The wire query parameters of a list query: `limit` and `end_date` (ISO 8601 with milliseconds, UTC).
 *
 * @since 0.1.0
 * @category encoding
 */
export const toUrlParams = (query: ListQuery): ReadonlyArray<readonly [string, string]> => {
  const params: Array<readonly [string, string]> = []
  if (query.limit !== undefined) params.push(["limit", String(query.limit)])
  if (query.endDate !== undefined) params.push(["end_date", DateTime.formatIso(query.endDate)])
  return params
}

const firstMessage = (error: ParseResult.ParseError, fallback: string): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const message = issues[0]?.message
  return message === undefined || message.startsWith("Expected") ? fallback : message
}

const decoder = Decoder.make(AsyncActionList)

/**
 * Decodes an already-parsed list page. Same result as `Schema.decodeUnknownEither(AsyncActionList)`
 * (and the same `ParseError` on failure), several times faster.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeUnknownEither: (input: unknown) => Either.Either<AsyncActionList, ParseResult.ParseError> =
  decoder.decodeUnknownEither

/**
 * Decodes the JSON text of `GET /v1/async-actions`: `MalformedJson` when it is not JSON, the Schema's
 * `ParseError` when it is JSON of the wrong shape.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeJson: (text: string) => Either.Either<AsyncActionList, Decoder.DecodeFailure> = decoder.decodeJson
