/**
 * ISO 8601 timestamps: the API's `created_at`, `updated_at`, `reports_available_till` and the
 * `end_date` query parameter. Parsing is strict (a calendar-checked ISO form, never `Date`'s
 * guesswork) and cheap (the API's own `2023-01-20T06:50:49.573Z` form is read without a regex).
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/
const dateTime = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/

// `DateTime.unsafeMake(millis)` costs about 0.5 µs on this package's benchmark machine, two thirds of a list
// action's timestamps: it goes through a `Date`, and effect's constructor defines the non-enumerable
// `partsUtc` cache (effect's memo of the calendar parts) with `Object.defineProperty` on every value, a call
// into the runtime. `makeUtc` builds the same value in a few nanoseconds: an object whose prototype chain
// reaches effect's own `Utc` prototype (so `DateTime.isDateTime`, `isUtc`, `Equal`, `Hash`, `toJSON`,
// `toString` and every `DateTime` function behave as for any other `Utc`) with the same single enumerable
// own property, `epochMillis`. The `partsUtc` cache is inherited as an accessor that reads `undefined` until
// effect first stores the parts, and then defines them on the value exactly as effect's constructor does
// (non-enumerable, writable). `test/IsoDateTime.test.ts` pins this down against `DateTime.unsafeMake`.
const ProtoUtc: object = Object.getPrototypeOf(DateTime.unsafeMake(0))
const ProtoFastUtc: object = Object.create(ProtoUtc, {
  partsUtc: {
    get: () => undefined,
    set(this: object, value: unknown) {
      Object.defineProperty(this, "partsUtc", { value, enumerable: false, writable: true })
    },
    enumerable: false
  }
})

// A `DateTime.Utc` at `epochMillis` (a finite number): every timestamp this package decodes is built here.
const makeUtc = (epochMillis: number): DateTime.Utc => {
  const self = Object.create(ProtoFastUtc) as { epochMillis: number }
  self.epochMillis = epochMillis
  return self as unknown as DateTime.Utc
}

const FORMAT = "must be an ISO 8601 date-time (2024-01-31T12:00:00.000Z) or date (2024-01-31)"
const CALENDAR = "is not a valid calendar date"

const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
      ? 29
      : 28
    : month === 4 || month === 6 || month === 9 || month === 11
      ? 30
      : 31

// Reads `n` ASCII digits at `at`; -1 if any is not a digit.
const digits = (s: string, at: number, n: number): number => {
  let value = 0
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    value = value * 10 + d
  }
  return value
}

// `YYYY-MM-DDTHH:MM:SS.sssZ` (what the API and `Date#toISOString` write), years 1970..9999.
// Returns epoch millis, or NaN when the text is not in exactly that form (the general path decides).
const canonical = (s: string): number => {
  if (
    s.length !== 24 ||
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 || // T
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46 || // .
    s.charCodeAt(23) !== 90 // Z
  ) {
    return Number.NaN
  }
  const year = digits(s, 0, 4)
  const month = digits(s, 5, 2)
  const day = digits(s, 8, 2)
  const hour = digits(s, 11, 2)
  const minute = digits(s, 14, 2)
  const second = digits(s, 17, 2)
  const millis = digits(s, 20, 3)
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millis < 0) return Number.NaN
  return Date.UTC(year, month - 1, day, hour, minute, second, millis)
}

/**
 * Parses an ISO 8601 date-time (with `Z` or an offset, normalised to UTC) or a date-only value
 * (`2016-11-16`, midnight UTC). Calendar fields are checked, so `2023-02-30` is refused rather than
 * rolled over to March. The error is a reason phrase (`must be …`, `is not …`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (input: string): Either.Either<DateTime.Utc, string> => {
  const millis = parseMillis(input)
  return typeof millis === "string" ? Either.left(millis) : Either.right(makeUtc(millis))
}

// Epoch millis, or the reason the text is refused.
const parseMillis = (input: string): number | string => {
  const fast = canonical(input)
  if (!Number.isNaN(fast)) return fast
  const dateMatch = dateOnly.exec(input)
  const match = dateMatch ?? dateTime.exec(input)
  if (match === null) return FORMAT
  const year = Number(match[1])
  const month = Number(match[2])
  const day = Number(match[3])
  const hour = Number(match[4] ?? 0)
  const minute = Number(match[5] ?? 0)
  const second = Number(match[6] ?? 0)
  const offsetHour = Number(match[7] ?? 0)
  const offsetMinute = Number(match[8] ?? 0)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return CALENDAR
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return CALENDAR
  const millis = Date.parse(dateMatch === null ? input : `${input}T00:00:00.000Z`)
  return Number.isNaN(millis) ? CALENDAR : millis
}

/**
 * A timestamp on the wire: ISO 8601 text decoded to a `DateTime.Utc`, encoded back with
 * `DateTime.formatIso` (`2023-01-20T06:50:49.573Z`: UTC, always with milliseconds), so the API's own
 * timestamps round-trip unchanged.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IsoDateTimeUtc: Schema.Schema<DateTime.Utc, string> = Schema.transformOrFail(
  Schema.String,
  Schema.DateTimeUtcFromSelf,
  {
    strict: true,
    decode: (input, _, ast) => {
      const millis = parseMillis(input)
      return typeof millis === "string"
        ? ParseResult.fail(new ParseResult.Type(ast, input, `${JSON.stringify(input)} ${millis}`))
        : ParseResult.succeed(makeUtc(millis))
    },
    encode: (date) => ParseResult.succeed(DateTime.formatIso(date))
  }
).annotations({ identifier: "IsoDateTimeUtc" })
