// End to end: every exit code of the contract, provoked for real against the emulator.

import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import {
  assertBuilt,
  bin,
  cli,
  envFor,
  run,
  type Started,
  spawnChecked,
  startEmulator,
  wrongSecretKey
} from "./support.js"

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
  // Each error is one line on stderr that names the flag (or argument) and shows the bad value.
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, string]> = [
    ["bad id", ["get", "not-an-id"], 'Invalid <id>: "not-an-id" is not an async action id'],
    ["id with a slash", ["get", "aa_123/../../v1/x"], 'Invalid <id>: "aa_123/../../v1/x" is not an async action id'],
    ["limit out of range", ["list", "--limit", "0"], "Invalid --limit: must be an integer between 1 and 100 (got 0)"],
    ["limit too large", ["list", "--limit", "101"], "Invalid --limit: must be an integer between 1 and 100 (got 101)"],
    [
      "limit not a number",
      ["list", "--limit", "ten"],
      'Invalid --limit: must be an integer between 1 and 100 (got "ten")'
    ],
    ["impossible date", ["list", "--end-date", "2023-02-30"], 'Invalid --end-date: "2023-02-30"'],
    ["not a date", ["list", "--end-date", "yesterday"], 'Invalid --end-date: "yesterday"'],
    [
      "unknown status",
      ["list", "--status", "DONE_ISH"],
      'Invalid --status: "DONE_ISH" is not a status (one of ENQUEUED'
    ],
    [
      "unknown type",
      ["list", "--type", "VOUCHERS.EXPORT"],
      'Invalid --type: "VOUCHERS.EXPORT" is not an async action type'
    ],
    [
      "bad duration",
      ["watch", doneIdPlaceholder(), "--timeout", "soon"],
      'Invalid --timeout: "soon" is not a positive duration'
    ],
    [
      "zero duration",
      ["watch", doneIdPlaceholder(), "--timeout", "0s"],
      'Invalid --timeout: "0s" is not a positive duration'
    ],
    ["bad interval", ["watch", doneIdPlaceholder(), "--interval", "-1s"], 'Invalid --interval: "-1s"'],
    ["bad id among several", ["watch", doneIdPlaceholder(), "nope"], 'Invalid <id>: "nope" is not an async action id'],
    ["missing argument", ["get"], "Missing argument <id>"],
    ["unknown command", ["fetch", "aa_1"], 'unknown command "fetch" (one of get, list, watch, demo)'],
    ["unknown flag", ["get", "aa_1", "--secret-key", "x"], "'--secret-key'"],
    ["bad log level", ["list", "--log-level", "loud"], 'Invalid --log-level: "loud" is not a level'],
    [
      "missing secret file",
      ["get", "aa_1", "--secret-key-file", "/nonexistent/secret"],
      'Invalid --secret-key-file: cannot read "/nonexistent/secret" (no such file)'
    ]
  ]

  it.each(cases)("%s", async (_, args, message) => {
    const result = await cli(
      args.map((arg) => (arg === "<done>" ? doneId : arg)),
      { env }
    )
    expect(result.code).toBe(2)
    const line = expectOneErrorLine(result)
    expect(line).toContain(message)
    expect(line).toMatch(/\(see 'voucherify-async( \w+)? --help'\)$/)
    expect(await run(emulator.handle.requests)).toEqual([])
  })

  it("status values are case-insensitive", async () => {
    const lower = await cli(["list", "--json", "--status", "done"], { env })
    const upper = await cli(["list", "--json", "--status", "DONE"], { env })
    expect(lower.code).toBe(0)
    expect(lower.stdout).toBe(upper.stdout)
    expect(lower.stdout).toContain(doneId)
  })

  it("--wizard with stdin not a terminal exits 2 at once instead of waiting on a prompt", async () => {
    const started = Date.now()
    const result = await cli(["list", "--wizard"], { env, timeoutMillis: 20_000 })
    const elapsed = Date.now() - started
    console.log(`--wizard </dev/null exited ${result.code} after ${elapsed} ms`)
    expect(result.code).toBe(2)
    expect(expectOneErrorLine(result)).toContain("--wizard needs an interactive terminal")
    expect(elapsed).toBeLessThan(15_000)
  })

  it("missing credentials (InvalidConfig)", async () => {
    const result = await cli(["get", doneId], { env: { VOUCHERIFY_API_URL: emulator.handle.url } })
    expect(result.code).toBe(2)
    expect(expectOneErrorLine(result)).toContain("Invalid configuration VOUCHERIFY_APP_ID: is missing")
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

describe("retries in progress", () => {
  const unreachable = { ...process.env, VOUCHERIFY_API_URL: "http://127.0.0.1:9", VOUCHERIFY_MAX_RETRIES: "2" }

  it("are shown on stderr when it is a terminal, and never on stdout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voucherify-tty-"))
    const out = join(dir, "stdout.txt")
    try {
      // `script` gives the CLI a pseudo-terminal as stderr; stdout goes to a file.
      const shell = `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} get aa_1 > ${JSON.stringify(out)}`
      const result = await spawnChecked("script", ["-qec", shell, "/dev/null"], {
        env: { ...unreachable, VOUCHERIFY_APP_ID: "app", VOUCHERIFY_SECRET_KEY: "key" }
      })
      expect(result.code).toBe(4)
      const lines = result.stdout.replace(/\r/g, "").trimEnd().split("\n")
      expect(lines).toHaveLength(3)
      expect(lines[0]).toMatch(/^voucherify-async: retrying in \d+ (ms|s) \(network error\)$/)
      expect(lines[1]).toMatch(/^voucherify-async: retrying in \d+ (ms|s) \(network error\)$/)
      expect(lines[2]).toMatch(/^voucherify-async: Transport error/)
      expect(readFileSync(out, "utf8")).toBe("")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("are not shown when stderr is not a terminal", async () => {
    const result = await cli(["get", "aa_1"], {
      env: { ...unreachable, VOUCHERIFY_APP_ID: "app", VOUCHERIFY_SECRET_KEY: "key" }
    })
    expect(result.code).toBe(4)
    expect(expectOneErrorLine(result)).toMatch(/^voucherify-async: Transport error/)
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

describe("--log-level", () => {
  // `list --all` logs each page at debug level; the others may log nothing when all goes well. Either way
  // stdout holds only the output and stderr only log lines.
  it.each([
    ["get", ["get", "<done>", "--json"], false],
    ["list", ["list", "--json"], false],
    ["list --all", ["list", "--all", "--json"], true],
    ["watch", ["watch", "<done>", "--json"], false]
  ] as const)("is accepted by %s, before or after the other flags", async (_, args, logs) => {
    const resolved = args.map((arg) => (arg === "<done>" ? doneId : arg))
    const after = await cli([...resolved, "--log-level", "debug"], { env })
    const before = await cli([resolved[0]!, "--log-level=debug", ...resolved.slice(1)], { env })
    for (const result of [after, before]) {
      expect(result.code).toBe(0)
      expect(result.stdout).toContain(doneId)
      expect(result.stdout).not.toContain("level=")
      for (const line of result.stderr.split("\n").filter((l) => l !== ""))
        expect(line).toMatch(/^timestamp=\S+ level=/)
      if (logs) expect(result.stderr).toContain("level=DEBUG")
    }
  })

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
