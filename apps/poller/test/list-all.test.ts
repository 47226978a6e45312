// End to end: `list --all` walks every page of 1 000 seeded actions (with created_at ties) and returns
// every id exactly once, whether the server treats end_date as exclusive or inclusive.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { assertBuilt, cli, envFor, ndjson, run, type Started, startEmulator } from "./support.js"

const emulators: Array<Started> = []

beforeAll(() => assertBuilt())
afterAll(() => Promise.all(emulators.map((e) => e.close())))

describe.each([
  ["end_date exclusive", false],
  ["end_date inclusive", true]
])("list --all over 1 000 actions (%s)", (_, endDateInclusive) => {
  let emulator: Started

  beforeAll(async () => {
    emulator = await startEmulator({ seed: 1000, endDateInclusive })
    emulators.push(emulator)
  })

  it.each([["7"], ["100"]])("--limit %s --json returns every id exactly once, newest first", async (limit) => {
    await run(emulator.handle.clearRequests)
    const result = await cli(["list", "--all", "--json", "--limit", limit], { env: envFor(emulator.handle) })
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    const ids = ndjson(result.stdout).map((action) => action.id as string)
    const expected = emulator.handle.state.all().map((action) => action.id)
    expect(expected).toHaveLength(1000)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual([...expected].sort())
    // The seeded history has ties: pages really were cut inside tie groups.
    const createdAt = emulator.handle.state.all().map((action) => action.createdAt)
    expect(new Set(createdAt).size).toBeLessThan(createdAt.length)
    const requests = await run(emulator.handle.requests)
    expect(requests.length).toBeGreaterThanOrEqual(Math.ceil(1000 / Number(limit)))
  })

  it("the table streams every row and a count", async () => {
    const result = await cli(["list", "--all", "--status", "FAILED"], { env: envFor(emulator.handle) })
    expect(result.code).toBe(0)
    const failed = emulator.handle.state.all().filter((action) => action.plan.outcome === "FAILED")
    const lines = result.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^ID\s+TYPE/)
    // The count is a footer on stderr: stdout holds the header and the rows only.
    expect(lines).toHaveLength(failed.length + 1)
    expect(result.stderr).toBe(`${failed.length} actions\n`)
  })
})
