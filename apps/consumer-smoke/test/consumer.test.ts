// Consumer smoke test: what a user gets from the registry. Packs the six published packages, installs the
// tarballs (plus `effect`/`@effect/platform`/`@effect/platform-node` from the registry) into a fresh npm project outside the workspace,
// type-checks and runs an ESM consumer (NodeNext), a Bundler consumer (bundled with esbuild) and a CommonJS
// consumer (`require(esm)`), and runs publint and attw on every tarball.
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync
} from "node:fs"
import { rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ok, packAll, packages, pkgJson, root, runAsync } from "./support.js"

const fixtures = fileURLToPath(new URL("../fixtures", import.meta.url))
const bin = (name: string) => join(root, "node_modules", ".bin", name)

const versionOf = (name: string, from: string): string =>
  (
    JSON.parse(readFileSync(join(root, from, "node_modules", ...name.split("/"), "package.json"), "utf8")) as {
      version: string
    }
  ).version

let work = ""
let project = ""
let tarballs: Record<string, string> = {}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "voucherify-effect-consumer-"))
  tarballs = await packAll(join(work, "tarballs"))
  project = join(work, "project")
  mkdirSync(project)
  cpSync(fixtures, project, { recursive: true })
  writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "consumer", private: true }, null, 2)}\n`)
  const base = {
    target: "ES2022",
    lib: ["ES2022"],
    types: ["node"],
    strict: true,
    skipLibCheck: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true
  }
  const tsconfig = (file: string, compilerOptions: Record<string, unknown>) =>
    writeFileSync(join(project, file), JSON.stringify({ compilerOptions: { ...base, ...compilerOptions } }, null, 2))
  tsconfig("tsconfig.esm.json", { module: "NodeNext", moduleResolution: "NodeNext", outDir: "out" })
  tsconfig("tsconfig.cjs.json", { module: "NodeNext", moduleResolution: "NodeNext", outDir: "out" })
  tsconfig("tsconfig.bundler.json", { module: "Preserve", moduleResolution: "Bundler", noEmit: true })
  for (const [file, entry] of [
    ["tsconfig.esm.json", "esm.mts"],
    ["tsconfig.cjs.json", "cjs.cts"],
    ["tsconfig.bundler.json", "bundler.ts"]
  ] as const) {
    const config = JSON.parse(readFileSync(join(project, file), "utf8")) as Record<string, unknown>
    writeFileSync(join(project, file), JSON.stringify({ ...config, files: [entry] }, null, 2))
  }

  // The peers at the versions the workspace is tested with; the npm cache makes this fast after the first run.
  const peers = [
    `effect@${versionOf("effect", "packages/http")}`,
    `@effect/platform@${versionOf("@effect/platform", "packages/http")}`,
    `@effect/platform-node@${versionOf("@effect/platform-node", "packages/node")}`,
    `@types/node@${versionOf("@types/node", "packages/http")}`
  ]
  ok(
    await runAsync(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--no-package-lock",
        "--ignore-scripts",
        "--loglevel=error",
        ...packages.map((name) => tarballs[name]!),
        ...peers
      ],
      project,
      240_000
    ),
    "npm install"
  )
}, 300_000)

// Removing the npm project is slow on a loaded machine: asynchronously (a synchronous rm blocks the worker's
// calls to vitest), with its own timeout.
afterAll(async () => {
  if (work !== "" && process.env.KEEP_CONSUMER_SMOKE === undefined) await rm(work, { recursive: true, force: true })
}, 120_000)

describe("packed tarballs", () => {
  it.each(packages)("%s is installed from its tarball with workspace: ranges replaced", (name) => {
    const dir = join(project, "node_modules", "@voucherify-effect", name)
    expect(lstatSync(dir).isSymbolicLink()).toBe(false)
    const text = readFileSync(join(dir, "package.json"), "utf8")
    expect(text).not.toContain("workspace:")
    const pkg = pkgJson(dir)
    // `node` is a transport: it needs the platform packages only.
    if (name !== "core" && name !== "node") {
      expect(pkg.dependencies?.["@voucherify-effect/core"]).toBe(`^${pkgJson(join(root, "packages/core")).version}`)
    }
    const files = readdirSync(dir)
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist"]))
    expect(existsSync(join(dir, "dist", "index.d.ts"))).toBe(true)
    expect(existsSync(join(dir, "test"))).toBe(false)
    // Peers are never bundled or pinned as dependencies.
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain("effect")
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain("@effect/platform")
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain("@effect/platform-node")
  })
})

describe("consumers", () => {
  // Processes run asynchronously: a worker blocked for long loses its connection to vitest.
  const tsc = async (config: string) =>
    ok(
      await runAsync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", config], project),
      config
    )

  it("ESM (NodeNext) type-checks, runs and gets an action from the emulator", async () => {
    await tsc("tsconfig.esm.json")
    const out = JSON.parse(ok(await runAsync(process.execPath, ["out/esm.mjs"], project, 60_000), "node out/esm.mjs"))
    expect(out).toEqual({
      consumer: "esm",
      decoded: {
        id: "aa_0adad3c6a2ca7d1a3a",
        status: "DONE",
        result: "Import",
        createdAt: expect.stringContaining("2024-05-01T12:00:00.000Z")
      },
      fetched: {
        type: "VOUCHERS.BULK_UPDATE",
        status: expect.stringMatching(/^(ENQUEUED|IN_PROGRESS)$/),
        isTerminal: false
      },
      internal: "ERR_PACKAGE_PATH_NOT_EXPORTED"
    })
  }, 90_000)

  it("ESM (Bundler) type-checks, bundles with esbuild and runs", async () => {
    await tsc("tsconfig.bundler.json")
    await build({
      entryPoints: [join(project, "bundler.ts")],
      outfile: join(project, "out", "bundler.mjs"),
      bundle: true,
      format: "esm",
      platform: "node",
      logLevel: "error"
    })
    const out = JSON.parse(
      ok(await runAsync(process.execPath, ["out/bundler.mjs"], project, 60_000), "node out/bundler.mjs")
    )
    expect(out).toEqual({
      consumer: "bundler",
      decoded: { id: "aa_0adad3c6a2ca7d1a3a", status: "IN_PROGRESS", progress: 40 },
      layer: "built"
    })
  }, 90_000)

  it("CommonJS (require(esm) on Node >= 20.19) type-checks, runs and awaits an action on the emulator", async () => {
    await tsc("tsconfig.cjs.json")
    const compiled = readFileSync(join(project, "out", "cjs.cjs"), "utf8")
    expect(compiled).toContain('require("@voucherify-effect/http")')
    const ran = await runAsync(process.execPath, ["out/cjs.cjs"], project, 60_000)
    const out = JSON.parse(ok(ran, "node out/cjs.cjs"))
    expect(out).toEqual({
      consumer: "cjs",
      moduleSystem: "commonjs",
      decoded: { status: "DONE", result: "Summary" },
      fetched: { type: "ORDERS.IMPORT", status: "DONE" }
    })
  }, 90_000)
})

describe("package linters", () => {
  it.each(packages)(
    "publint reports nothing for %s",
    async (name) => {
      const out = ok(await runAsync(bin("publint"), ["run", tarballs[name]!, "--strict"], root), `publint ${name}`)
      expect(out).toContain("All good!")
    },
    60_000
  )

  it.each(packages)(
    "attw (esm-only profile) reports no problem for %s",
    async (name) => {
      // Every public module is a subpath export (`./*`); attw does not expand patterns, so name them.
      const modules = readdirSync(join(project, "node_modules", "@voucherify-effect", name, "dist"))
        .filter((file) => file.endsWith(".d.ts") && file !== "index.d.ts" && file !== "bin.d.ts")
        .map((file) => `./${file.slice(0, -5)}`)
      const args = [tarballs[name]!, "--profile", "esm-only", "--format", "json", "--include-entrypoints", ...modules]
      const ran = await runAsync(bin("attw"), args, root)
      const report = JSON.parse(ran.stdout) as {
        analysis: {
          entrypoints: Record<string, unknown>
          problems: ReadonlyArray<{ kind: string; entrypoint?: string; resolutionKind?: string }>
        }
      }
      // The esm-only profile ignores node10 and node16-from-CJS (CommonJS consumers use require(esm), tested above).
      const problems = report.analysis.problems.filter(
        (problem) => problem.resolutionKind !== "node10" && problem.resolutionKind !== "node16-cjs"
      )
      expect(problems).toEqual([])
      expect(ran.status, ran.stderr).toBe(0)
      expect(Object.keys(report.analysis.entrypoints)).toEqual(expect.arrayContaining([".", ...modules]))
    },
    60_000
  )
})
