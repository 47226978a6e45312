/**
 * Validators for what a user passes in: async action ids and durations. The library (`AsyncActions`)
 * and the `voucherify-async` CLI both use these, so a value is accepted or refused, with the same message,
 * wherever it is typed. The list query's validators (limit, end date, status and type filters) live
 * beside the query in `AsyncActionList`.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { AsyncActionId } from "./AsyncActionId.js"
import { shown } from "./internal/shown.js"
import { InvalidInput } from "./VoucherifyError.js"

const decodeId = Schema.decodeUnknownEither(AsyncActionId)
const isId = Schema.is(AsyncActionId)

/**
 * Validates an async action id (`aa_` + 1 to 64 letters and digits) before it is put in a URL, naming
 * the field and the value on failure.
 *
 * @since 0.2.0
 * @category validation
 */
export const validateId = (id: unknown, field = "id"): Either.Either<AsyncActionId, InvalidInput> =>
  isId(id)
    ? Either.right(id)
    : Either.mapLeft(
        decodeId(id),
        () =>
          new InvalidInput({
            field,
            reason: `${shown(id)} is not an async action id (expected aa_ followed by 1 to 64 letters or digits)`
          })
      )

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

// `30s`, `500ms`, `2m`, `1.5h`: the short forms people type on a command line.
const shorthand = (input: string): Option.Option<Duration.Duration> => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(input.trim())
  const unit = match?.[2]
  return match === null || unit === undefined
    ? Option.none()
    : Option.some(Duration.millis(Number(match[1]) * (units[unit] ?? 1)))
}

/**
 * Validates a positive, finite duration: a `Duration`, milliseconds as a number, Effect's text
 * (`"30 seconds"`, `"1500 millis"`) or the short forms `30s`, `500ms`, `2m`, `1h`; names the field
 * and the value on failure.
 *
 * @since 0.2.0
 * @category validation
 */
export const validateDuration = (input: unknown, field: string): Either.Either<Duration.Duration, InvalidInput> => {
  const decoded =
    typeof input === "string"
      ? Option.orElse(shorthand(input), () => Duration.decodeUnknown(input.trim()))
      : Duration.decodeUnknown(input)
  return Option.isSome(decoded) && Duration.isFinite(decoded.value) && Duration.toMillis(decoded.value) > 0
    ? Either.right(decoded.value)
    : Either.left(
        new InvalidInput({
          field,
          reason: `${typeof input === "string" || typeof input === "number" ? `${shown(input)} is not` : "must be"} a positive duration (e.g. 30s, 500ms, 2m, "90 seconds")`
        })
      )
}
