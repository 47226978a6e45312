import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { sanitize } from "../src/Sanitize.js"

const secret = "sk_live_0123456789abcdef"

describe("Sanitize", () => {
  it("shows terminal escapes and line breaks escaped, on one line", () => {
    expect(sanitize("a\u001b]0;pwned\u0007b\u001b[2Kc\r\nd\te")).toBe("a\\x1b]0;pwned\\x07b\\x1b[2Kc\\r\\nd\\te")
    expect(sanitize("C1 \u009b31m, DEL \u007f, bidi \u202egnp.exe, zero-width \u200b")).toBe(
      "C1 \\x9b31m, DEL \\x7f, bidi \\u202egnp.exe, zero-width \\u200b"
    )
    // Printable text of any script passes unchanged, surrogate pairs included.
    expect(sanitize("Zażółć gęślą jaźń — 東京 🎉")).toBe("Zażółć gęślą jaźń — 東京 🎉")
    expect(sanitize("lone \ud800 half")).toBe("lone \\ud800 half")
  })

  it("caps the length with an ellipsis, escapes included", () => {
    const long = "x".repeat(100_000)
    expect(sanitize(long)).toBe(`${"x".repeat(500)}…`)
    expect(sanitize(long, { maxLength: 10 })).toBe("xxxxxxxxxx…")
    expect(sanitize("\u001b".repeat(10), { maxLength: 10 })).toBe("\\x1b\\x1b…")
    expect(sanitize("short", { maxLength: 10 })).toBe("short")
    // A surrogate pair is never cut in half.
    expect(sanitize("abc🎉def", { maxLength: 4 })).toBe("abc…")
  })

  it("redacts the configured secrets, also percent-encoded and across the cut", () => {
    const withPlus = "a+b/c=d&secret"
    expect(sanitize(`header X-App-Token: ${secret} echoed`, { secrets: [secret] })).toBe(
      "header X-App-Token: <redacted> echoed"
    )
    expect(sanitize(`q=${encodeURIComponent(withPlus)}`, { secrets: [withPlus] })).toBe("q=<redacted>")
    // The secret starts just before the cut: no prefix of it survives.
    expect(sanitize(`${"y".repeat(480)}${secret}`, { secrets: [secret] })).toBe(`${"y".repeat(480)}<redacted>`)
    expect(sanitize(`${"y".repeat(495)}${secret}${"z".repeat(100)}`, { secrets: [secret] })).toBe(
      `${"y".repeat(495)}<reda…`
    )
    // Too short to search for without destroying the text.
    expect(sanitize("abc", { secrets: ["a"] })).toBe("abc")
  })

  it("is idempotent and always gives one bounded, printable line without the secret", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 800 }), fc.integer({ min: 8, max: 600 }), (raw, maxLength) => {
        const text = raw.length % 2 === 0 ? `${raw}${secret}${raw}` : raw
        const once = sanitize(text, { maxLength, secrets: [secret] })
        expect(sanitize(once, { maxLength, secrets: [secret] })).toBe(once)
        expect(once.length).toBeLessThanOrEqual(maxLength + 1)
        expect(once).not.toContain(secret.slice(0, 12))
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters that must not appear
        expect(once).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/)
      }),
      { numRuns: 300 }
    )
  }, 60_000)
})
