// End to end: every exit code of the contract, provoked for real against the emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { assertBuilt, cli, envFor, run, type Started, startEmulator, wrongSecretKey } from "./support.js"

let emulator: Started
let env: Record<string, string>
let doneId: string

beforeAll(async () => {
  assertBuilt()
  emulator = await startEmulator()
  env = envFor(emulator.handle)
  doneId = (await run(emulator.handle.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 0 }))).id
})

afterAll(() => emulator?.close())

beforeEach(async () => {
  await run(emulator.handle.setFaults(undefined))
  await run(emulator.handle.clearRequests)
})

/** Errors are one line on stderr; stdout stays empty. */
const expectOneErrorLine = (result: { stdout: string; stderr: string }) => {
  expect(result.stdout).toBe("")
  const lines = result.stderr.trimEnd().split("\n")
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^voucherify-async: /)
  expect(result.stderr).not.toMatch(/^\s+at /m)
  return lines[0]!
}

describe("exit code 0", () => {
  it("get of an existing action", async () => {
    expect((await cli(["get", doneId], { env })).code).toBe(0)
  })
})

describe("exit code 2: usage and invalid input, nothing sent", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["bad id", ["get", "not-an-id"]],
    ["id with a slash", ["get", "aa_123/../../v1/x"]],
    ["limit out of range", ["list", "--limit", "0"]],
    ["limit too large", ["list", "--limit", "101"]],
    ["limit not a number", ["list", "--limit", "ten"]],
    ["impossible date", ["list", "--end-date", "2023-02-30"]],
    ["not a date", ["list", "--end-date", "yesterday"]],
    ["unknown status", ["list", "--status", "DONE_ISH"]],
    ["unknown type", ["list", "--type", "VOUCHERS.EXPORT"]],
    ["bad duration", ["watch", doneIdPlaceholder(), "--timeout", "soon"]],
    ["zero duration", ["watch", doneIdPlaceholder(), "--timeout", "0s"]],
    ["bad id among several", ["watch", doneIdPlaceholder(), "nope"]],
    ["missing argument", ["get"]],
    ["unknown command", ["fetch", "aa_1"]],
    ["unknown flag", ["get", "aa_1", "--secret-key", "x"]],
    ["missing secret file", ["get", "aa_1", "--secret-key-file", "/nonexistent/secret"]]
  ]

  it.each(cases)("%s", async (_, args) => {
    const result = await cli(
      args.map((arg) => (arg === "<done>" ? doneId : arg)),
      { env }
    )
    expect(result.code).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr.length).toBeGreaterThan(0)
    expect(await run(emulator.handle.requests)).toEqual([])
  })

  it("missing credentials (InvalidConfig)", async () => {
    const result = await cli(["get", doneId], { env: { VOUCHERIFY_API_URL: emulator.handle.url } })
    expect(result.code).toBe(2)
    expect(expectOneErrorLine(result)).toContain("appId")
    expect(await run(emulator.handle.requests)).toEqual([])
  })

  it("plain http to a remote host (InvalidConfig)", async () => {
    const result = await cli(["get", doneId], { env: { ...env, VOUCHERIFY_API_URL: "http://example.com" } })
    expect(result.code).toBe(2)
    expect(expectOneErrorLine(result)).toContain("https")
  })

  it("usage errors print to stderr with a pointer to --help", async () => {
    const result = await cli(["list", "--limit", "ten"], { env })
    expect(result.stderr).toContain("--help")
  })
})

describe("exit code 3: the API refused", () => {
  it("wrong secret → 401", async () => {
    const result = await cli(["get", doneId], { env: { ...env, VOUCHERIFY_SECRET_KEY: wrongSecretKey } })
    expect(result.code).toBe(3)
    const line = expectOneErrorLine(result)
    expect(line).toContain("401")
    expect(line).toContain("Unauthorized")
  })

  it("unknown id → 404 with the API key and request id", async () => {
    const result = await cli(["get", "aa_00000000000000000000"], { env })
    expect(result.code).toBe(3)
    const line = expectOneErrorLine(result)
    expect(line).toContain("404")
    expect(line).toContain("not_found")
    expect(line).toMatch(/request_id \S+/)
  })

  it("watch of an unknown id → 3 at once", async () => {
    const result = await cli(["watch", "aa_00000000000000000000", "--timeout", "20s"], { env })
    expect(result.code).toBe(3)
    expect(result.stderr).toContain("404")
  })
})

describe("exit code 4: unavailable after retries", () => {
  it("5xx on every request until the retries run out", async () => {
    await run(emulator.handle.setFaults({ serverError: 1 }))
    const result = await cli(["get", doneId], { env: { ...env, VOUCHERIFY_MAX_RETRIES: "2" } })
    expect(result.code).toBe(4)
    expect(expectOneErrorLine(result)).toMatch(/Server error: GET \/v1\/async-actions\/aa_\w+ answered 50\d/)
    const requests = await run(emulator.handle.requests)
    expect(requests).toHaveLength(3)
    expect(requests.every((r) => r.status >= 500)).toBe(true)
  })

  it("429 on every request", async () => {
    await run(emulator.handle.setFaults({ rateLimited: 1 }))
    const result = await cli(["list"], { env: { ...env, VOUCHERIFY_MAX_RETRIES: "0" } })
    expect(result.code).toBe(4)
    expect(expectOneErrorLine(result)).toContain("429")
  })

  it("a hung response with a short request timeout", async () => {
    await run(emulator.handle.setFaults({ hang: 1 }))
    const result = await cli(["get", doneId], {
      env: { ...env, VOUCHERIFY_REQUEST_TIMEOUT: "1 second", VOUCHERIFY_MAX_RETRIES: "1" }
    })
    expect(result.code).toBe(4)
    expect(expectOneErrorLine(result)).toContain("Request timed out")
    expect(await run(emulator.handle.requests)).toHaveLength(2)
  })

  it("a malformed body", async () => {
    await run(emulator.handle.setFaults({ malformed: 1 }))
    const result = await cli(["get", doneId], { env: { ...env, VOUCHERIFY_MAX_RETRIES: "0" } })
    expect(result.code).toBe(4)
    expect(expectOneErrorLine(result)).toContain("Invalid response")
  })

  it("nothing listening", async () => {
    const result = await cli(["get", doneId], {
      env: { ...env, VOUCHERIFY_API_URL: "http://127.0.0.1:9", VOUCHERIFY_MAX_RETRIES: "0" }
    })
    expect(result.code).toBe(4)
    expect(expectOneErrorLine(result)).toContain("Transport error")
  })
})

describe("exit code 5: timeout", () => {
  it("a wait that outlives --timeout while the response hangs", async () => {
    await run(emulator.handle.setFaults({ hang: 1 }))
    const result = await cli(["watch", doneId, "--timeout", "1500ms"], { env })
    expect(result.code).toBe(5)
    expect(result.stderr).toContain("Timed out after 1500ms")
  })
})

describe("--log-level debug", () => {
  it("adds the cause with a stack trace, still without the secret", async () => {
    const result = await cli(["get", "aa_00000000000000000000", "--log-level", "debug"], { env })
    expect(result.code).toBe(3)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(/^\s+at /m)
  })
})

function doneIdPlaceholder() {
  return "<done>"
}
