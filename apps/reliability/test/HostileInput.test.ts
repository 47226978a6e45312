// Hostile input: ids, limits, dates, durations, URLs and header values that must never reach the wire.
// Each nasty is refused with InvalidInput or InvalidConfig and no request leaves the process.
import { afterAll, describe, expect, it } from "@effect/vitest"
import { AsyncActions, VoucherifyConfig } from "@voucherify-effect/http"
import { Emulator } from "@voucherify-effect/testing"
import { Cause, Effect, Exit, Option, Redacted, Stream } from "effect"
import fc from "fast-check"
import {
  captureLogs,
  clientOn,
  clientOnEmulator,
  emulatorCredentials,
  propertyTimeout,
  report,
  scripted
} from "./support.js"

const okAction = JSON.stringify({
  id: "aa_0afb3d009a55814a48",
  type: "VOUCHERS.IMPORT",
  status: "DONE",
  created_at: "2025-06-30T12:00:00.000Z",
  object: "async_action"
})

const nastyIds: ReadonlyArray<unknown> = [
  "",
  "aa_",
  "../../v1/async-actions",
  "aa_123/../../admin",
  "aa_%2e%2e",
  "%2e%2e/%2e%2e",
  "aa_123%2F..%2F",
  "aa_123?limit=1",
  "aa_123#frag",
  "aa_123\n",
  "aa_123\r\nX-Injected: 1",
  "aa_123\u0000",
  "aa_123 ",
  " aa_123",
  "аа_123", // Cyrillic а
  "aa_１２３", // full-width digits
  "aa_123\u200b",
  "aa_123\u202e",
  `aa_${"a".repeat(65)}`,
  `aa_${"a".repeat(1_000_000)}`,
  "AA_123",
  "http://evil.example/aa_123",
  null,
  undefined,
  123,
  {},
  ["aa_123"]
]
// `null` is not here: like `undefined` it means "unset" (the default page size), checked separately.
const nastyLimits: ReadonlyArray<unknown> = [
  0,
  -1,
  101,
  1.5,
  Number.NaN,
  Infinity,
  -Infinity,
  Number.MAX_VALUE,
  "10",
  {},
  2 ** 53
]
const nastyDates: ReadonlyArray<unknown> = [
  "",
  "yesterday",
  "2023-02-30",
  "2023-13-01T00:00:00Z",
  "2023-01-01T25:00:00Z",
  "2023-01-01T00:00:00Z\r\nX-Injected: 1",
  "2023-01-01T00:00:00Z&limit=1",
  "../../etc/passwd",
  `2023-01-01T00:00:00${"0".repeat(100_000)}Z`,
  new Date(Number.NaN),
  Number.NaN,
  1_700_000_000_000,
  {},
  null
]
const nastyDurations: ReadonlyArray<unknown> = [
  0,
  -1,
  Number.NaN,
  Infinity,
  "forever",
  "-5 seconds",
  "0 millis",
  "1e400 millis",
  "10 parsecs",
  {},
  null,
  []
]
const nastyUrls: ReadonlyArray<string> = [
  "http://example.com",
  "http://api.voucherify.io",
  "http://169.254.169.254/latest/meta-data",
  "http://127.0.0.1.nip.io",
  "http://localhost.evil.example",
  "http://[::ffff:8.8.8.8]",
  "https://user:pass@api.voucherify.io",
  "https://api.voucherify.io/?x=1",
  "https://api.voucherify.io/#frag",
  "file:///etc/passwd",
  "javascript:alert(1)",
  "ftp://api.voucherify.io",
  "api.voucherify.io",
  "//api.voucherify.io",
  `https://api.voucherify.io/${"a".repeat(5000)}`,
  "https://api.voucherify.io\r\nX-Injected: 1"
]

const counts: Record<string, unknown> & { cases: number; refused: number; requests: number } = {
  cases: 0,
  refused: 0,
  requests: 0
}

// Runs an effect on a scripted client and checks: refused with the expected tag, zero requests sent.
const refuses = async (
  effect: Effect.Effect<unknown, unknown, AsyncActions.AsyncActions>,
  tag: "InvalidInput" | "InvalidConfig",
  options: Partial<VoucherifyConfig.Options> = {},
  label = JSON.stringify(options)
) => {
  const script = scripted([{ status: 200, body: okAction }])
  const exit = await Effect.runPromiseExit(effect.pipe(Effect.provide(clientOn(script.layer, options))))
  counts.cases++
  counts.requests += script.requests.length
  expect(script.requests.map((r) => `${label}: ${r.url.href}`)).toEqual([])
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isFailure(exit)) {
    expect([...Cause.defects(exit.cause)]).toEqual([])
    const failure = [...Cause.failures(exit.cause)][0] as { _tag?: string } | undefined
    expect(failure?._tag).toBe(tag)
    counts.refused++
  }
}

const waitOps = (id: unknown, timeout?: unknown) => [
  AsyncActions.get(id as string),
  AsyncActions.watch(id as string, { timeout: timeout as number }).pipe(Stream.runDrain),
  AsyncActions.awaitCompletion(id as string, { timeout: timeout as number })
]

describe("hostile input", () => {
  it("ids: every nasty is refused before any request", async () => {
    for (const id of nastyIds) for (const op of waitOps(id)) await refuses(op, "InvalidInput")
  })

  it("ids from generators: refused unless aa_ + 1..64 letters/digits, and then the path is exactly that", {
    timeout: propertyTimeout
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.stringMatching(/^aa_[\w%./-]{0,70}$/)),
        async (id) => {
          const valid = /^aa_[A-Za-z0-9]{1,64}$/.test(id)
          if (!valid) return refuses(AsyncActions.get(id), "InvalidInput")
          const script = scripted([{ status: 200, body: okAction }])
          await Effect.runPromiseExit(AsyncActions.get(id).pipe(Effect.provide(clientOn(script.layer))))
          expect(script.requests.map((r) => r.url.pathname)).toEqual([`/v1/async-actions/${id}`])
        }
      ),
      { numRuns: 300, seed: 42 }
    )
  })

  it("limits and page sizes", { timeout: propertyTimeout }, async () => {
    for (const limit of nastyLimits) {
      await refuses(AsyncActions.list({ limit: limit as number }), "InvalidInput", {}, String(limit))
      await refuses(AsyncActions.stream({ pageSize: limit as number }).pipe(Stream.runDrain), "InvalidInput")
    }
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.double(), fc.integer()), async (limit) => {
        if (Number.isInteger(limit) && limit >= 1 && limit <= 100) return
        await refuses(AsyncActions.list({ limit }), "InvalidInput")
      }),
      { numRuns: 200, seed: 43 }
    )
  })

  it("dates: nasties refused; any accepted string is sent as canonical ISO text only", {
    timeout: propertyTimeout
  }, async () => {
    for (const endDate of nastyDates) {
      await refuses(AsyncActions.list({ endDate: endDate as string }), "InvalidInput")
      await refuses(AsyncActions.stream({ endDate: endDate as string }).pipe(Stream.runDrain), "InvalidInput")
    }
    // Every valid date is sent, as canonical ISO text; anything else is refused before a request. (The
    // property used to loop over the requests sent, so it held even if every date were refused.)
    const dates = { valid: 0, sent: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string().map((text) => ({ text, valid: undefined })),
          fc
            .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
            .map((date) => ({ text: date.toISOString(), valid: date.toISOString() })),
          fc.date({ noInvalidDate: true }).map((date) => ({ text: date.toISOString(), valid: undefined }))
        ),
        async ({ text, valid }) => {
          const script = scripted([{ status: 200, body: '{"async_actions":[]}' }])
          const exit = await Effect.runPromiseExit(
            AsyncActions.list({ endDate: text }).pipe(Effect.provide(clientOn(script.layer)))
          )
          if (valid !== undefined) dates.valid++
          if (Exit.isFailure(exit)) {
            expect(valid, `a valid date was refused: ${text}`).toBeUndefined()
            expect(
              (Cause.failureOption(exit.cause) as Option.Option<{ _tag: string }>).pipe(Option.map((e) => e._tag))
            ).toEqual(Option.some("InvalidInput"))
            expect(script.requests).toHaveLength(0)
            dates.refused++
            return
          }
          expect(script.requests).toHaveLength(1)
          const sent = script.requests[0]!.url.searchParams.get("end_date") ?? ""
          expect(sent).toMatch(/^[+-]?\d{4,6}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
          if (valid !== undefined) expect(sent).toBe(valid)
          expect([...script.requests[0]!.url.searchParams.keys()].sort()).toEqual(["end_date", "limit"])
          dates.sent++
        }
      ),
      { numRuns: 300, seed: 44 }
    )
    // Both branches were exercised, and every valid date was one of the sent ones.
    expect(dates.valid).toBeGreaterThanOrEqual(50)
    expect(dates.sent).toBeGreaterThanOrEqual(dates.valid)
    expect(dates.refused).toBeGreaterThanOrEqual(50)
    counts.datesSent = dates.sent
  })

  it("durations (wait timeouts)", async () => {
    for (const timeout of nastyDurations) {
      const [, watch, wait] = waitOps("aa_0afb3d009a55814a48", timeout)
      await refuses(watch!, "InvalidInput")
      await refuses(wait!, "InvalidInput")
    }
  })

  it("URLs and header values are refused by the configuration", async () => {
    for (const apiUrl of nastyUrls) await refuses(AsyncActions.get("aa_1"), "InvalidConfig", { apiUrl })
    const crlf = "x\r\nX-Injected: 1"
    for (const options of [
      { appId: crlf },
      { appId: "app id with spaces" },
      { appId: "ａｐｐ" },
      { secretKey: Redacted.make(crlf) },
      { secretKey: Redacted.make("") },
      { accessToken: Redacted.make(`tok\nX-Injected: 1`) },
      { channel: crlf },
      { channel: "x".repeat(1000) },
      { apiVersion: crlf },
      { apiVersion: "../../v1" },
      { apiUrl: undefined, cluster: "evil.example" },
      { apiUrl: "", cluster: "api.evil" },
      { requestTimeout: -1 },
      { requestTimeout: Number.NaN },
      { requestTimeout: "forever" }
    ] as ReadonlyArray<Partial<VoucherifyConfig.Options>>) {
      await refuses(AsyncActions.get("aa_1"), "InvalidConfig", options)
    }
  })

  it("URLs from generators: credentials, a query or a fragment refused; plain https accepted", {
    timeout: propertyTimeout
  }, async () => {
    // URLs with credentials, a query or a fragment are refused; the generators make sure those cases occur
    // (fc.webUrl() alone never generated them) and that plain https URLs are accepted.
    const urls = { userinfo: 0, query: 0, fragment: 0, accepted: 0 }
    const webUrl = (settings: { query: boolean; fragment: boolean; userinfo: boolean }) =>
      fc.webUrl({
        validSchemes: ["https"],
        withQueryParameters: settings.query,
        withFragments: settings.fragment,
        authoritySettings: { withUserInfo: settings.userinfo }
      })
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          webUrl({ query: false, fragment: false, userinfo: false }),
          webUrl({ query: true, fragment: false, userinfo: false }),
          webUrl({ query: false, fragment: true, userinfo: false }),
          webUrl({ query: false, fragment: false, userinfo: true }),
          webUrl({ query: true, fragment: true, userinfo: true }),
          fc.string()
        ),
        async (apiUrl) => {
          const config = VoucherifyConfig.make({ apiUrl, appId: "a", secretKey: Redacted.make("s") })
          const parsed = URL.canParse(apiUrl) ? new URL(apiUrl) : undefined
          const extras = {
            userinfo: parsed !== undefined && parsed.username + parsed.password !== "",
            query: parsed !== undefined && parsed.search !== "",
            fragment: parsed !== undefined && parsed.hash !== ""
          }
          for (const kind of ["userinfo", "query", "fragment"] as const) if (extras[kind]) urls[kind]++
          if (extras.userinfo || extras.query || extras.fragment) {
            expect(config._tag, `accepted ${apiUrl}`).toBe("Left")
            return
          }
          if (config._tag === "Left") return
          urls.accepted++
          const url = new URL(config.right.baseUrl)
          expect(url.protocol === "https:" || VoucherifyConfig.isLoopbackHost(url.hostname)).toBe(true)
          expect(url.username + url.password + url.search + url.hash).toBe("")
        }
      ),
      { numRuns: 600, seed: 45 }
    )
    for (const kind of ["userinfo", "query", "fragment", "accepted"] as const) {
      expect(urls[kind], `${kind}: ${JSON.stringify(urls)}`).toBeGreaterThanOrEqual(50)
    }
    counts.urls = urls
  })

  it('unset values fall back to safe defaults: limit null → 100, apiUrl "" → https://api.voucherify.io', async () => {
    const script = scripted([{ status: 200, body: '{"async_actions":[]}' }])
    await Effect.runPromise(
      AsyncActions.list({ limit: null as unknown as number }).pipe(
        Effect.provide(clientOn(script.layer, { apiUrl: "" }))
      )
    )
    expect(script.requests.map((r) => r.url.href)).toEqual(["https://api.voucherify.io/v1/async-actions?limit=100"])
  })

  it.scopedLive("against the real emulator: nasties leave its request log empty", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ ...emulatorCredentials, seed: 10 })
      const layer = clientOnEmulator(emu)
      for (const id of nastyIds) {
        for (const op of waitOps(id)) yield* Effect.exit(op.pipe(Effect.provide(layer)))
      }
      for (const limit of nastyLimits)
        yield* Effect.exit(AsyncActions.list({ limit: limit as number }).pipe(Effect.provide(layer)))
      for (const endDate of nastyDates) {
        yield* Effect.exit(AsyncActions.list({ endDate: endDate as string }).pipe(Effect.provide(layer)))
      }
      expect(yield* emu.requests).toHaveLength(0)
      // And the client does work against it: one valid call is logged.
      yield* AsyncActions.list({ limit: 5 }).pipe(Effect.provide(layer))
      expect(yield* emu.requests).toHaveLength(1)
    }).pipe(Effect.provide(captureLogs))
  )

  afterAll(() => report("hostileInput", counts))
})
