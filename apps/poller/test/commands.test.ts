// End to end: `get`, `list`, `--help` and `--version` of the built CLI against the emulator.
import { spawn } from "node:child_process"
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { assertBuilt, bin, cli, envFor, ndjson, run, type Started, startEmulator } from "./support.js"

let emulator: Started
let env: Record<string, string>
const ids: Record<string, string> = {}

beforeAll(async () => {
  assertBuilt()
  emulator = await startEmulator()
  env = envFor(emulator.handle)
  const create = (type: Parameters<typeof emulator.handle.createAction>[0]) =>
    run(emulator.handle.createAction(type)).then((action) => action.id)
  ids.done = await create({ type: "VOUCHERS.IMPORT", durationMillis: 0, size: 12 })
  ids.failed = await create({ type: "PRODUCTS.IMPORT_CSV", durationMillis: 0, outcome: "FAILED", size: 9 })
  ids.bulk = await create({ type: "CUSTOMERS.BULK_UPDATE", durationMillis: 0, outcome: "PARTIAL", size: 30 })
  ids.running = await create({ type: "CAMPAIGN.VOUCHERS_GENERATE", durationMillis: 600_000 })
})

afterAll(() => emulator?.close())

describe("--help and --version", () => {
  it("prints the version", async () => {
    const result = await cli(["--version"])
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe("0.1.0")
  })

  it("prints help with the commands", async () => {
    const result = await cli(["--help"])
    expect(result.code).toBe(0)
    for (const command of ["get", "list", "watch", "demo"])
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"))
    expect(result.stderr).toBe("")
  })

  it.each(["get", "list", "watch", "demo"])("%s --help shows examples", async (command) => {
    const result = await cli([command, "--help"])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("\nExamples\n")
    expect(result.stdout).toContain(`$ voucherify-async ${command}`)
  })

  it("without a command prints usage to stderr and exits 2", async () => {
    const result = await cli([])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain("voucherify-async <command> [options]")
  })
})

describe("get", () => {
  it("shows a readable summary", async () => {
    const result = await cli(["get", ids.done!], { env })
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    expect(result.stdout).toContain(ids.done)
    expect(result.stdout).toMatch(/type\s+VOUCHERS\.IMPORT/)
    expect(result.stdout).toMatch(/status\s+DONE/)
    expect(result.stdout).toMatch(/progress\s+█+ 100%/)
    expect(result.stdout).toMatch(/processing\s+/)
    expect(result.stdout).toMatch(/result\s+import: 12 done, 0 failed/)
    // Not a terminal: no ANSI escapes.
    expect(result.stdout).not.toContain("\x1b[")
  })

  it("shows the first failed rows of a failed import", async () => {
    const result = await cli(["get", ids.failed!], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/status\s+FAILED/)
    expect(result.stdout).toContain("failed rows")
    expect(result.stdout).toMatch(/- row 1/)
    expect(result.stdout).toContain("… and 4 more")
  })

  it("shows bulk update counts and errors", async () => {
    const result = await cli(["get", ids.bulk!], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/result\s+bulk update: \d+ done, \d+ failed/)
    expect(result.stdout).toContain("DONE (operation FAILED)")
  })

  it("--json prints exactly the API's wire JSON on one line", async () => {
    const result = await cli(["get", ids.bulk!, "--json"], { env })
    expect(result.code).toBe(0)
    expect(result.stdout.endsWith("\n")).toBe(true)
    const lines = result.stdout.trimEnd().split("\n")
    expect(lines).toHaveLength(1)
    const wire = JSON.parse(lines[0]!)
    expect(wire).toEqual(emulator.handle.state.get(ids.bulk!, Date.now()))
    expect(wire).toHaveProperty("created_at")
    expect(wire).toHaveProperty("result.done_count")
  })

  it("--json of a running action", async () => {
    const result = await cli(["get", ids.running!, "--json"], { env })
    expect(result.code).toBe(0)
    const [wire] = ndjson(result.stdout)
    expect(wire).toMatchObject({ id: ids.running, status: "IN_PROGRESS", type: "CAMPAIGN.VOUCHERS_GENERATE" })
  })
})

describe("list", () => {
  it("piped to a file, the file holds only the table (header and rows); footers go to stderr", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voucherify-list-"))
    const file = join(dir, "out.txt")
    const fd = openSync(file, "w")
    try {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [bin, "list", "--limit", "2"], {
          env: { ...process.env, ...env, NO_COLOR: "1" },
          stdio: ["ignore", fd, "pipe"]
        })
        let stderr = ""
        child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
          stderr += chunk
        })
        child.once("error", reject)
        child.once("close", (code) => resolve({ code, stderr }))
      })
      expect(code).toBe(0)
      const lines = readFileSync(file, "utf8").trimEnd().split("\n")
      expect(lines[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+PROGRESS\s+CREATED$/)
      expect(lines).toHaveLength(3)
      for (const line of lines.slice(1)) expect(line).toMatch(/^aa_\w+\s+[A-Z_.]+\s+[A-Z_]+/)
      expect(stderr).toBe("More actions are available: use --all to list every page.\n")
    } finally {
      closeSync(fd)
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("prints a table", async () => {
    const result = await cli(["list"], { env })
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+PROGRESS\s+CREATED$/)
    for (const id of Object.values(ids)) expect(result.stdout).toContain(id)
    expect(lines).toHaveLength(1 + Object.keys(ids).length)
  })

  it("--json prints one wire action per line", async () => {
    const result = await cli(["list", "--json"], { env })
    expect(result.code).toBe(0)
    const actions = ndjson(result.stdout)
    expect(actions.map((a) => a.id).sort()).toEqual(Object.values(ids).sort())
    for (const action of actions) {
      expect(action).toHaveProperty("created_at")
      expect(action).not.toHaveProperty("createdAt")
      expect(action).not.toHaveProperty("result")
    }
  })

  it("--limit asks for a smaller page and says more is available", async () => {
    const result = await cli(["list", "--limit", "2"], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain("--all")
    expect(result.stderr).toContain("--all")
    const requests = await run(emulator.handle.requests)
    expect(requests.at(-1)?.query).toMatchObject({ limit: "2" })
  })

  it("filters by --status and --type client-side", async () => {
    const failed = ndjson((await cli(["list", "--json", "--status", "FAILED"], { env })).stdout)
    expect(failed.map((a) => a.id)).toEqual([ids.failed])
    const both = ndjson(
      (await cli(["list", "--json", "--status", "FAILED", "--status", "IN_PROGRESS"], { env })).stdout
    )
    expect(both.map((a) => a.id).sort()).toEqual([ids.failed, ids.running].sort())
    const typed = ndjson((await cli(["list", "--json", "--type", "VOUCHERS.IMPORT"], { env })).stdout)
    expect(typed.map((a) => a.id)).toEqual([ids.done])
  })

  it("--end-date is sent to the API", async () => {
    const result = await cli(["list", "--json", "--end-date", "2020-01-01"], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toBe("")
    const requests = await run(emulator.handle.requests)
    expect(requests.at(-1)?.query).toMatchObject({ end_date: "2020-01-01T00:00:00.000Z" })
  })

  it("--api-url, --app-id and --secret-key-file override the environment", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs")
    const { join } = await import("node:path")
    const { tmpdir } = await import("node:os")
    const dir = mkdtempSync(join(tmpdir(), "poller-"))
    const file = join(dir, "secret")
    writeFileSync(file, `${env.VOUCHERIFY_SECRET_KEY}\n`)
    const result = await cli(
      [
        "list",
        "--json",
        "--api-url",
        emulator.handle.url,
        "--app-id",
        emulator.handle.appId,
        "--secret-key-file",
        file
      ],
      { env: { VOUCHERIFY_API_URL: "http://127.0.0.1:9", VOUCHERIFY_APP_ID: "nobody" } }
    )
    expect(result.code).toBe(0)
    expect(ndjson(result.stdout)).toHaveLength(Object.keys(ids).length)
  })
})
