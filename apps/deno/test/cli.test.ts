// The Deno build of `voucherify-async` against the emulator on loopback: the bundle runs from a directory
// outside the workspace with only `--allow-net --allow-env`, and prints exactly what the Node CLI prints.
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Emulator } from "@voucherify-effect/testing"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { app, bundle, denoBin, nodeCli, type Ran, root, rootPackageJsonHash, run } from "./support.js"

const hashBefore = rootPackageJsonHash()
let scope: Scope.CloseableScope
let emulator: Emulator.EmulatorHandle
let outside = ""
let env: NodeJS.ProcessEnv = {}

const deno = async (args: ReadonlyArray<string>, cwd = outside, timeoutMs?: number): Promise<Ran> => {
  const ran = await run(denoBin, args, { cwd, env, ...(timeoutMs === undefined ? {} : { timeoutMs }) })
  // Fail loudly right where it happens, not only in the last test.
  expect(rootPackageJsonHash(), "deno rewrote the root package.json").toBe(hashBefore)
  return ran
}
const denoBundle = (args: ReadonlyArray<string>) =>
  deno(["run", "--allow-net", "--allow-env", "voucherify-async.mjs", ...args])
const node = (args: ReadonlyArray<string>) => run(process.execPath, [nodeCli, ...args], { cwd: root, env })

beforeAll(async () => {
  expect(existsSync(bundle), "apps/deno/dist/voucherify-async.mjs (pnpm build)").toBe(true)
  expect(existsSync(nodeCli), "apps/poller/dist/bin.js (pnpm build)").toBe(true)
  // The bundle alone, away from the workspace: no node_modules, no deno.json, no package.json around it.
  outside = mkdtempSync(join(tmpdir(), "voucherify-deno-"))
  copyFileSync(bundle, join(outside, "voucherify-async.mjs"))
  scope = Effect.runSync(Scope.make())
  emulator = await Effect.runPromise(
    Scope.extend(Emulator.make({ seed: 40, appId: "deno-app", secretKey: "deno-secret" }), scope)
  )
  env = {
    VOUCHERIFY_API_URL: emulator.url,
    VOUCHERIFY_APP_ID: "deno-app",
    VOUCHERIFY_SECRET_KEY: "deno-secret",
    VOUCHERIFY_MAX_RETRIES: "0"
  }
})

afterAll(async () => {
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  if (outside !== "") rmSync(outside, { recursive: true, force: true })
})

const expectSame = (deno: Ran, node: Ran) => {
  expect(deno.stderr).toBe(node.stderr)
  expect(deno.code).toBe(node.code)
  expect(deno.stdout).toBe(node.stdout)
}

describe("the Deno bundle against the emulator", () => {
  it("list --json prints the same NDJSON as the Node CLI", async () => {
    const [d, n] = await Promise.all([
      denoBundle(["list", "--json", "--limit", "25"]),
      node(["list", "--json", "--limit", "25"])
    ])
    expectSame(d, n)
    expect(d.code).toBe(0)
    expect(d.stdout.trim().split("\n")).toHaveLength(25)
  })

  it("list --all --json walks every page like the Node CLI", async () => {
    const args = ["list", "--all", "--json", "--limit", "7"]
    const [d, n] = await Promise.all([denoBundle(args), node(args)])
    expectSame(d, n)
    expect(d.stdout.trim().split("\n")).toHaveLength(40)
  })

  it("list (table) renders the same as the Node CLI", async () => {
    const [d, n] = await Promise.all([denoBundle(["list", "--limit", "5"]), node(["list", "--limit", "5"])])
    expectSame(d, n)
    expect(d.stdout).toContain("ID")
  })

  it("get --json prints the same wire JSON as the Node CLI", async () => {
    const listed = await node(["list", "--json", "--limit", "3"])
    const ids = listed.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { id: string }).id)
    expect(ids).toHaveLength(3)
    for (const id of ids) {
      const [d, n] = await Promise.all([denoBundle(["get", id, "--json"]), node(["get", id, "--json"])])
      expectSame(d, n)
      expect(JSON.parse(d.stdout)).toMatchObject({ id, object: "async_action" })
    }
  })

  it("get of an unknown id exits 3 like the Node CLI", async () => {
    const [d, n] = await Promise.all([
      denoBundle(["get", "aa_missing", "--json"]),
      node(["get", "aa_missing", "--json"])
    ])
    expect(d.code).toBe(3)
    expect(n.code).toBe(3)
    expect(d.stdout).toBe("")
    expect(d.stderr).toMatch(/^voucherify-async: Not found: GET \/v1\/async-actions\/aa_missing answered 404/)
  })

  it("a usage error is the same one line as on Node, exit 2", async () => {
    const [d, n] = await Promise.all([denoBundle(["list", "--limit", "0"]), node(["list", "--limit", "0"])])
    expect(d.code).toBe(2)
    expect(d.stderr).toMatch(/^voucherify-async: Invalid --limit: .*\n$/)
    expectSame(d, n)
  })

  it("--help of a command is the same as on Node", async () => {
    const [d, n] = await Promise.all([denoBundle(["list", "--help"]), node(["list", "--help"])])
    expect(d.code).toBe(0)
    expectSame(d, n)
  })

  it("--wizard is refused at once (the Deno terminal reads no input)", async () => {
    const d = await denoBundle(["list", "--wizard"])
    expect(d.code).toBe(2)
    expect(d.stderr).toContain("--wizard needs an interactive terminal")
  })

  it("watch follows an action to DONE and exits 0", async () => {
    const created = await Effect.runPromise(
      emulator.createAction({ type: "VOUCHERS.BULK_UPDATE", durationMillis: 6_000, size: 4 })
    )
    // Long enough that a slow Deno start-up on a busy CI machine still sees it running.
    const d = await denoBundle(["watch", created.id, "--json", "--interval", "250ms", "--timeout", "40s"])
    expect(d.stderr).toBe("")
    expect(d.code).toBe(0)
    const snapshots = d.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: string; status: string; progress?: number })
    expect(snapshots.length).toBeGreaterThan(1)
    expect(snapshots.every((s) => s.id === created.id)).toBe(true)
    expect(snapshots.at(-1)?.status).toBe("DONE")
    expect(snapshots.some((s) => s.status === "IN_PROGRESS")).toBe(true)
  })

  it("watch of an action that FAILS exits 1", async () => {
    const created = await Effect.runPromise(
      emulator.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 300, outcome: "FAILED" })
    )
    const d = await denoBundle(["watch", created.id, "--json", "--interval", "100ms", "--timeout", "20s"])
    expect(d.code).toBe(1)
    expect(d.stdout.trim().split("\n").at(-1)).toContain('"status":"FAILED"')
  })

  it("--secret-key-file reads the key through the Deno FileSystem (with --allow-read)", async () => {
    const keyFile = join(outside, "secret-key")
    writeFileSync(keyFile, "deno-secret\n")
    const withoutKey = { ...env, VOUCHERIFY_SECRET_KEY: "" }
    const args = ["list", "--json", "--limit", "1", "--secret-key-file", keyFile]
    const allowed = await run(
      denoBin,
      ["run", "--allow-net", "--allow-env", `--allow-read=${keyFile}`, "voucherify-async.mjs", ...args],
      {
        cwd: outside,
        env: withoutKey
      }
    )
    expect(allowed.stderr).toBe("")
    expect(allowed.code).toBe(0)
    expect(allowed.stdout.trim().split("\n")).toHaveLength(1)
    const missing = await run(
      denoBin,
      [
        "run",
        "--allow-net",
        "--allow-env",
        `--allow-read=${outside}`,
        "voucherify-async.mjs",
        "list",
        "--secret-key-file",
        join(outside, "nope")
      ],
      { cwd: outside, env: withoutKey }
    )
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("no such file")
  })
})

describe("the Deno sources", () => {
  it("run under Deno from source (deno.json import map, pnpm's node_modules) like the bundle", async () => {
    const args = ["list", "--json", "--limit", "10"]
    const config = join(app, "deno.json")
    const [fromSource, fromBundle] = await Promise.all([
      deno(["run", "--config", config, "--allow-net", "--allow-env", join(app, "src", "main.ts"), ...args], root),
      denoBundle(args)
    ])
    expectSame(fromSource, fromBundle)
    expect(fromSource.code).toBe(0)
  })

  it("pass deno check (the entry, cli, http and core sources)", async () => {
    // Type-checking every source takes ~30 s of CPU on a loaded machine.
    const checked = await deno(
      ["check", "--config", join(app, "deno.json"), join(app, "src", "main.ts")],
      root,
      150_000
    )
    expect(checked.stderr).not.toMatch(/error/i)
    expect(checked.code).toBe(0)
  }, 180_000)

  it("left the root package.json untouched", () => {
    expect(rootPackageJsonHash()).toBe(hashBefore)
  })
})
