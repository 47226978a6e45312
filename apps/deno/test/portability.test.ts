// Lint-style checks: the portable packages never import Node built-ins, and the Deno bundle has no `node:`
// specifier (or bare built-in such as "fs") left in it.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { builtinModules } from "node:module"
import { join, relative } from "node:path"
import { describe, expect, it } from "vitest"
import { bundle, root } from "./support.js"

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))

const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return files(path)
    return /\.(m|c)?[jt]s$/.test(name) ? [path] : []
  })

// import … from "x", export … from "x", import "x", import("x"), require("x")
const specifierPattern = /(?:\bfrom\s*|\bimport\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"'\n]+)["']/g

const isNodeBuiltin = (specifier: string) =>
  specifier.startsWith("node:") || builtins.has(specifier) || builtins.has(specifier.split("/")[0] ?? "")

const builtinImports = (text: string): Array<string> =>
  [...text.matchAll(specifierPattern)].map((match) => match[1] ?? "").filter(isNodeBuiltin)

describe("portability", () => {
  it("recognises the forms it looks for", () => {
    expect(
      builtinImports(
        'import * as Http from "node:http"\nimport fs from "fs"\nexport { x } from "path"\nawait import("node:os")\nrequire("crypto")\nimport "effect"'
      )
    ).toEqual(["node:http", "fs", "path", "node:os", "crypto"])
  })

  it.each(["packages/core/src", "packages/http/src", "packages/cli/src"])("%s never imports a Node built-in", (dir) => {
    const offenders = files(join(root, dir)).flatMap((file) =>
      builtinImports(readFileSync(file, "utf8")).map((specifier) => `${relative(root, file)}: ${specifier}`)
    )
    expect(offenders).toEqual([])
  })

  it("the Deno bundle has no node: specifier and imports nothing", () => {
    const text = readFileSync(bundle, "utf8")
    expect(text.match(/["'`]node:[a-z_/]+["'`]/g) ?? []).toEqual([])
    expect(builtinImports(text)).toEqual([])
    // One self-contained file: no static import of anything at all.
    expect(text.match(/^\s*import\s.*from\s*["'][^"']+["']/gm) ?? []).toEqual([])
  })
})
