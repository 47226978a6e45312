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
import { CompiledAnnotationId, Fail } from "./internal/compile.js"

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

// A `DateTime.Utc` at `epochMillis` (a finite number): every timestamp this package decodes is built here,
// by a constructor rather than `Object.create` (V8 allocates its instances inline, with their final shape).
// `FastUtc.prototype` is `ProtoFastUtc` itself, so the value is the same: that prototype, one own property.
const FastUtc = function (this: { epochMillis: number }, epochMillis: number) {
  this.epochMillis = epochMillis
} as unknown as new (
  epochMillis: number
) => DateTime.Utc
FastUtc.prototype = ProtoFastUtc

const makeUtc = (epochMillis: number): DateTime.Utc => new FastUtc(epochMillis)

// What the Schema decoder below gives for `input` (a string, parsed; then `DateTimeUtcFromSelf`, which every
// `makeUtc` value passes), in one call instead of two steps with an `Either` each; `Fail` where it fails, so
// the Schema decoder runs and reports. The compiled list and action decoders call it for every timestamp.
const compiledDecode = (input: unknown): DateTime.Utc | typeof Fail => {
  if (typeof input !== "string") return Fail
  const fast = canonical(input)
  if (!Number.isNaN(fast)) return makeUtc(fast)
  const millis = parseMillis(input)
  return typeof millis === "string" ? Fail : makeUtc(millis)
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

// Two ASCII digits at `at` as 0..99, or -1 when either is not a digit (small-integer arithmetic only).
const twoDigits = (s: string, at: number): number => {
  const tens = s.charCodeAt(at) - 48
  const ones = s.charCodeAt(at + 1) - 48
  return tens >>> 0 > 9 || ones >>> 0 > 9 ? -1 : tens * 10 + ones
}

// Days from 1970-01-01 to a calendar date of the proleptic Gregorian calendar (years 1970..9999, month 1..12,
// a valid day), by whole-number arithmetic: what `Date.UTC` computes, without the call and its conversions
// (years counted from March, so that the leap day ends a year; every quotient here is of positive numbers,
// so `| 0` is the floor). Pinned against `Date.UTC` in the tests.
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = (y / 400) | 0
  const yearOfEra = y - era * 400
  const dayOfYear = (((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) | 0) + day - 1
  const dayOfEra = yearOfEra * 365 + ((yearOfEra / 4) | 0) - ((yearOfEra / 100) | 0) + dayOfYear
  return era * 146097 + dayOfEra - 719468
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
  const century = twoDigits(s, 0)
  const yearOfCentury = twoDigits(s, 2)
  const month = twoDigits(s, 5)
  const day = twoDigits(s, 8)
  const hour = twoDigits(s, 11)
  const minute = twoDigits(s, 14)
  const second = twoDigits(s, 17)
  const centis = twoDigits(s, 20)
  const lastDigit = s.charCodeAt(22) - 48
  // Any -1 (a non-digit) makes the bitwise or negative.
  if ((century | yearOfCentury | month | day | hour | minute | second | centis) < 0 || lastDigit >>> 0 > 9) {
    return Number.NaN
  }
  const year = century * 100 + yearOfCentury
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN
  return (
    daysFromCivil(year, month, day) * 86_400_000 +
    hour * 3_600_000 +
    minute * 60_000 +
    second * 1000 +
    centis * 10 +
    lastDigit
  )
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
).annotations({ identifier: "IsoDateTimeUtc", [CompiledAnnotationId]: compiledDecode })
