// End to end: `watch` to DONE, FAILED and timeout, NDJSON, progress bars in a pseudo-terminal, Ctrl-C.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  assertBuilt,
  bin,
  cli,
  envFor,
  eventually,
  ndjson,
  run,
  type Started,
  spawnChecked,
  startEmulator
} from "./support.js"

let emulator: Started
let env: Record<string, string>

const create = (input: Parameters<Started["handle"]["createAction"]>[0]) =>
  run(emulator.handle.createAction(input)).then((action) => action.id)

beforeAll(async () => {
  assertBuilt()
  emulator = await startEmulator()
  env = envFor(emulator.handle)
})

afterAll(() => emulator?.close())

describe("watch", () => {
  it("follows an action to DONE: exit 0, one line per change", async () => {
    // Long enough to outlast the CLI's start-up on a busy machine and still show several changes.
    const id = await create({ type: "VOUCHERS.IMPORT", durationMillis: 4000 })
    const result = await cli(["watch", id, "--interval", "150ms"], { env })
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    const lines = result.stdout.trimEnd().split("\n")
    expect(lines.length).toBeGreaterThan(2)
    expect(lines[0]).toMatch(new RegExp(`^${id} VOUCHERS.IMPORT (ENQUEUED|IN_PROGRESS)`))
    expect(lines.at(-1)).toMatch(new RegExp(`^${id} VOUCHERS.IMPORT DONE 100%`))
    // Not a terminal: no redraws, no colours.
    expect(result.stdout).not.toContain("\x1b")
  })

  it("exit 1 when any action FAILED, the others still followed to the end", async () => {
    const ok = await create({ type: "VOUCHERS.IMPORT", durationMillis: 1500 })
    const failed = await create({ type: "ORDERS.IMPORT", durationMillis: 400, outcome: "FAILED" })
    const result = await cli(["watch", ok, failed, "--interval", "150ms"], { env })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(new RegExp(`${ok} VOUCHERS.IMPORT DONE`))
    expect(result.stdout).toMatch(new RegExp(`${failed} ORDERS.IMPORT FAILED`))
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1)
    expect(result.stderr).toContain(`Async action ${failed} (ORDERS.IMPORT) finished FAILED`)
  })

  it("exit 1 when DONE with operation_status FAILED", async () => {
    const id = await create({ type: "VOUCHERS.BULK_UPDATE", durationMillis: 0, outcome: "PARTIAL" })
    const result = await cli(["watch", id], { env })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain("DONE 100% operation=FAILED")
  })

  it("exit 5 on --timeout, with the last state seen", async () => {
    const id = await create({ type: "CUSTOMERS.IMPORT_CSV", durationMillis: 600_000 })
    const started = Date.now()
    const result = await cli(["watch", id, "--timeout", "1s", "--interval", "200ms"], { env })
    expect(result.code).toBe(5)
    // The 1 s timeout, plus a process start on a possibly loaded machine.
    const elapsed = Date.now() - started
    expect(elapsed, `watch --timeout 1s exited after ${elapsed} ms`).toBeLessThan(20_000)
    expect(result.stderr).toContain(`Timed out after 1000ms waiting for ${id}: last seen IN_PROGRESS`)
  })

  it("--json prints one wire action per change", async () => {
    const a = await create({ type: "SKUS.IMPORT_CSV", durationMillis: 3500 })
    const b = await create({ type: "PRODUCTS.BULK_UPDATE", durationMillis: 3000, startAfterMillis: 1000 })
    const result = await cli(["watch", a, b, "--json", "--interval", "100ms"], { env })
    expect(result.code).toBe(0)
    const lines = ndjson(result.stdout)
    expect(lines.length).toBeGreaterThan(3)
    for (const id of [a, b]) {
      const mine = lines.filter((line) => line.id === id)
      expect(mine.at(-1)).toMatchObject({ status: "DONE", progress: 100 })
      expect(mine.at(-1)).toHaveProperty("result")
      // Only changes: no two consecutive lines of one action with the same status and progress.
      for (let i = 1; i < mine.length; i++) {
        expect([mine[i]!.status, mine[i]!.progress]).not.toEqual([mine[i - 1]!.status, mine[i - 1]!.progress])
      }
    }
    expect(lines.at(-1)).toEqual(emulator.handle.state.get(lines.at(-1)!.id as string, Date.now()))
  })
})

describe("watch in a pseudo-terminal", () => {
  const colour = new RegExp(`${"\x1b"}\\[3\\dm`)
  const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`

  it("renders live progress bars redrawn in place", async () => {
    const a = await create({ type: "VOUCHERS.IMPORT", durationMillis: 1500 })
    const b = await create({ type: "ORDERS.IMPORT", durationMillis: 900, outcome: "FAILED" })
    const command = [process.execPath, bin, "watch", a, b, "--interval", "100ms"].map(quote).join(" ")
    const result = await spawnChecked("script", ["-qec", command, "/dev/null"], {
      env: { ...env, COLUMNS: "120", TERM: "xterm-256color" }
    })
    expect(result.code).toBe(1)
    const out = result.stdout
    expect(out).toContain("█")
    expect(out).toContain("░")
    expect(out).toContain("\r\x1b[2K") // rewrite the line in place
    expect(out).toContain("\x1b[2A") // move up over the two bars
    expect(out).toContain("\x1b[?25l") // cursor hidden while drawing…
    expect(out).toContain("\x1b[?25h") // …and shown again
    expect(out).toMatch(colour) // colours on a terminal
    const frames = out.split("\x1b[2A")
    const last = frames.at(-1)!
    expect(last).toContain(a)
    expect(last).toContain("DONE")
    expect(last).toContain("FAILED")
  })

  it("NO_COLOR keeps the bars but drops the colours", async () => {
    const a = await create({ type: "VOUCHERS.IMPORT", durationMillis: 300 })
    const command = [process.execPath, bin, "watch", a, "--interval", "100ms"].map(quote).join(" ")
    const result = await spawnChecked("script", ["-qec", command, "/dev/null"], { env: { ...env, NO_COLOR: "1" } })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("█")
    expect(result.stdout).not.toMatch(colour)
  })
})

describe("Ctrl-C", () => {
  it("SIGINT stops cleanly: exit 130, in-flight request cancelled", async () => {
    const id = await create({ type: "VOUCHERS.IMPORT", durationMillis: 600_000 })
    await run(emulator.handle.setFaults({ hang: 1 }))
    try {
      const result = await cli(["watch", id], {
        env,
        onSpawn: (child) => {
          eventually(async () => (await run(emulator.handle.inFlight)) > 0).then(() => child.kill("SIGINT"))
        }
      })
      expect(result.code).toBe(130)
      await eventually(async () => (await run(emulator.handle.inFlight)) === 0, 5000)
      await eventually(async () => (await run(emulator.handle.openConnections)) === 0, 5000)
    } finally {
      await run(emulator.handle.setFaults(undefined))
    }
  })

  it("SIGINT while polling normally also exits 130", async () => {
    const id = await create({ type: "VOUCHERS.IMPORT", durationMillis: 600_000 })
    const result = await cli(["watch", id, "--json", "--interval", "100ms"], {
      env,
      onSpawn: (child) => {
        child.stdout?.once("data", () => child.kill("SIGINT"))
      }
    })
    expect(result.code).toBe(130)
    expect(ndjson(result.stdout).length).toBeGreaterThan(0)
  })
})
