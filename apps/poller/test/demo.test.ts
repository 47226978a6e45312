// End to end: `demo` runs against its own emulator, needs no configuration and exits 0.
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { assertBuilt, cli } from "./support.js"

beforeAll(() => assertBuilt())

describe("demo", () => {
  // About 5 s on an idle machine; the bound is generous for a loaded one and the figure is printed.
  it("starts the emulator, watches, lists and exits 0", { timeout: 120_000 }, async () => {
    const started = Date.now()
    const result = await cli(["demo"], { env: {}, timeoutMillis: 90_000 })
    const elapsed = Date.now() - started
    console.log(`demo took ${elapsed} ms`)
    expect(result.code).toBe(0)
    expect(elapsed, `demo took ${elapsed} ms`).toBeLessThan(60_000)
    expect(result.stdout).toMatch(/Emulator listening on http:\/\/127\.0\.0\.1:\d+/)
    expect(result.stdout).toContain("$ voucherify-async watch")
    expect(result.stdout).toContain("$ voucherify-async list")
    expect(result.stdout).toMatch(/FAILED/)
    expect(result.stdout).toMatch(/DONE 100%/)
    expect(result.stdout).toContain("failed rows")
  })
})
