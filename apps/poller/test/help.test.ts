// The help of the program and of each command, from the built CLI, against snapshots a reader approved
// (test/help/*.txt). A change to the help shows up as a diff in review; `vitest -u` rewrites them.
import { describe, expect, it } from "@effect/vitest"
import { assertBuilt, cli } from "./support.js"

describe("help", () => {
  it.each([
    ["root", ["--help"]],
    ["get", ["get", "--help"]],
    ["list", ["list", "--help"]],
    ["watch", ["watch", "-h"]],
    ["demo", ["demo", "--help"]]
  ] as const)("%s matches its snapshot", async (name, args) => {
    assertBuilt()
    const result = await cli(args)
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    await expect(result.stdout).toMatchFileSnapshot(`help/${name}.txt`)
  })

  it("the same help wherever --help stands, and for the program after a bad command", async () => {
    const first = await cli(["list", "--help"])
    const later = await cli(["list", "--all", "--json", "--help"])
    expect(later.stdout).toBe(first.stdout)
    const root = await cli(["--help"])
    expect((await cli(["nope", "--help"])).stdout).toBe(root.stdout)
  })

  it("every usage line names the program; optional flags are bracketed; no boilerplate", async () => {
    for (const command of ["get", "list", "watch", "demo"]) {
      const { stdout } = await cli([command, "--help"])
      const usage = stdout.split("\n")[3] ?? ""
      expect(usage).toMatch(new RegExp(`^  voucherify-async ${command} `))
      for (const flag of usage.match(/--[a-z-]+/g) ?? []) expect(usage).toContain(`[${flag}`)
      expect(stdout).not.toContain("This setting is optional")
      expect(stdout).not.toContain("A user-defined piece of text")
      // Global options are described once, in the program's help.
      expect(stdout).not.toContain("--api-url URL")
    }
  })
})
