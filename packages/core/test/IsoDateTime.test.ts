import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, Equal, Hash, Schema } from "effect"
import * as fc from "fast-check"
import * as IsoDateTime from "../src/IsoDateTime.js"
import { timestampFieldsArb, timestampText } from "./helpers.js"

const iso = (result: Either.Either<DateTime.Utc, string>) => Either.map(result, DateTime.formatIso)

describe("IsoDateTime", () => {
  it("reads the API's canonical form exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const text = new Date(ms).toISOString()
        expect(iso(IsoDateTime.parse(text))).toStrictEqual(Either.right(text))
      }),
      { numRuns: 2000 }
    )
  })

  it("the canonical form counts days as Date.UTC does, on every day from 1970 to 9999", () => {
    const last = Date.UTC(9999, 11, 31)
    let checked = 0
    // Each day at a time of day that changes from day to day (hour, minute, second and millis all vary).
    for (let day = 0, ms = 0; ms <= last; day++, ms = day * 86_400_000) {
      const at = ms + ((day * 7_919_993) % 86_400_000)
      const text = new Date(at).toISOString()
      const parsed = IsoDateTime.parse(text)
      if (!(Either.isRight(parsed) && parsed.right.epochMillis === at)) {
        expect.fail(`${text}: ${JSON.stringify(Either.map(parsed, (d) => d.epochMillis))}, expected ${at}`)
      }
      checked++
    }
    expect(checked).toBe(Date.UTC(9999, 11, 31) / 86_400_000 + 1)
  }, 60_000)

  it("the canonical form is refused exactly where it is not a real instant", () => {
    fc.assert(
      fc.property(timestampFieldsArb, (f) => {
        const text = timestampText(f)
        // The oracle: the text is what Date writes for the instant its fields name.
        const instant = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.millis)
        const valid = new Date(instant).toISOString() === text
        const parsed = IsoDateTime.parse(text)
        expect(Either.isRight(parsed)).toBe(valid)
        if (Either.isRight(parsed)) expect(parsed.right.epochMillis).toBe(instant)
      }),
      { numRuns: 5000 }
    )
  })

  it("agrees with Date for every well-formed variant (offsets, no millis, date-only)", () => {
    const pad = (n: number, width = 2) => String(n).padStart(width, "0")
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.constantFrom("Z", "+01:00", "-08:00", "+05:45", ".5Z", ".123456Z", ".000-03:30", ""),
        (year, month, day, hour, minute, tail) => {
          const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`
          const text = tail === "" ? date : `${date}T${pad(hour)}:${pad(minute)}:07${tail}`
          const parsed = IsoDateTime.parse(text)
          const real = new Date(Date.UTC(year, month - 1, day))
          const valid = real.getUTCDate() === day && real.getUTCMonth() === month - 1
          expect(Either.isRight(parsed)).toBe(valid)
          if (Either.isRight(parsed)) {
            const expected = Date.parse(tail === "" ? `${text}T00:00:00.000Z` : text)
            expect(parsed.right.epochMillis).toBe(expected)
          }
        }
      ),
      { numRuns: 2000 }
    )
  })

  it.each([
    "",
    "garbage",
    "2023-13-45",
    "2023-02-30",
    "2023-02-29T00:00:00.000Z",
    "2023-01-01T24:00:00.000Z",
    "2023-01-01T23:60:00.000Z",
    "2023-01-01T23:59:60.000Z",
    "2023-01-01T10:00:00",
    "2023-01-01 10:00:00Z",
    "2023-01-01T10:00:00.000+25:00",
    "Fri, 20 Jan 2023 06:50:49 GMT",
    "1674197449573",
    "+002023-01-01T00:00:00.000Z"
  ])("refuses %j", (text) => {
    expect(Either.isLeft(IsoDateTime.parse(text))).toBe(true)
  })

  it("the schema decodes to UTC and encodes with milliseconds", () => {
    const decode = Schema.decodeUnknownSync(IsoDateTime.IsoDateTimeUtc)
    const encode = Schema.encodeSync(IsoDateTime.IsoDateTimeUtc)
    expect(encode(decode("2023-01-20T07:50:49+01:00"))).toBe("2023-01-20T06:50:49.000Z")
    expect(() => decode("2023-02-30T00:00:00.000Z")).toThrow(/is not a valid calendar date/)
    expect(() => decode(1674197449573)).toThrow()
  })

  it("a decoded timestamp is a DateTime.Utc like the one DateTime.unsafeMake builds", () => {
    for (const text of ["2023-01-20T06:50:49.573Z", "2023-01-20T07:50:49+01:00", "2016-11-16"]) {
      const ours = Either.getOrThrow(IsoDateTime.parse(text))
      const effects = DateTime.unsafeMake(DateTime.toEpochMillis(ours))
      expect(DateTime.isDateTime(ours)).toBe(true)
      expect(DateTime.isUtc(ours)).toBe(true)
      expect(Equal.equals(ours, effects)).toBe(true)
      expect(Equal.equals(effects, ours)).toBe(true)
      expect(Hash.hash(ours)).toBe(Hash.hash(effects))
      expect(ours).toStrictEqual(effects)
      expect(Object.keys(ours)).toStrictEqual(Object.keys(effects))
      expect(JSON.stringify(ours)).toBe(JSON.stringify(effects))
      expect(String(ours)).toBe(String(effects))
      expect(Schema.is(Schema.DateTimeUtcFromSelf)(ours)).toBe(true)
      // effect's cache of the calendar parts: defined on first use as effect defines it (non-enumerable).
      expect(DateTime.toPartsUtc(ours)).toStrictEqual(DateTime.toPartsUtc(effects))
      expect(Object.getOwnPropertyNames(ours).sort()).toStrictEqual(Object.getOwnPropertyNames(effects).sort())
      expect(Object.getOwnPropertyDescriptor(ours, "partsUtc")).toStrictEqual(
        Object.getOwnPropertyDescriptor(effects, "partsUtc")
      )
      expect(Object.keys(ours)).toStrictEqual(["epochMillis"])
      expect(DateTime.formatIso(DateTime.setZone(ours, DateTime.zoneUnsafeMakeNamed("Europe/Warsaw")))).toBe(
        DateTime.formatIso(effects)
      )
      expect(DateTime.add(ours, { millis: 1 })).toStrictEqual(DateTime.add(effects, { millis: 1 }))
    }
  })
})
