import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { version } from "../src/internal/version.js"

describe("version", () => {
  it("the User-Agent version is the package version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    expect(version).toBe(pkg.version)
  })
})
