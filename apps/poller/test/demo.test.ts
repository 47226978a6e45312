// End to end: `demo` runs against its own emulator, needs no configuration and exits 0.
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { assertBuilt, cli } from "./support.js"

beforeAll(() => assertBuilt())

describe("demo", () => {
  it("starts the emulator, watches, lists and exits 0 in well under 30 s", async () => {
    const started = Date.now()
    const result = await cli(["demo"], { env: {} })
    expect(result.code).toBe(0)
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(result.stdout).toMatch(/Emulator listening on http:\/\/127\.0\.0\.1:\d+/)
    expect(result.stdout).toContain("$ voucherify-async watch")
    expect(result.stdout).toContain("$ voucherify-async list")
    expect(result.stdout).toMatch(/FAILED/)
    expect(result.stdout).toMatch(/DONE 100%/)
    expect(result.stdout).toContain("failed rows")
  })
})
