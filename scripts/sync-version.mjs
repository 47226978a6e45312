#!/usr/bin/env node
// Keeps the version constants compiled into packages equal to their package.json version (the http client
// sends it as User-Agent / X-Voucherify-Channel). Run after `changeset version` (root script
// `version-packages`); `--check` only reports and exits 1 when something is out of step.
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const check = process.argv.includes("--check")

// package directory → file holding `export const version = "x.y.z"`
const targets = [["packages/http", "src/internal/version.ts"]]

const pattern = /(export const version = )"([^"]*)"/
let stale = 0
for (const [dir, file] of targets) {
  const path = join(root, dir, file)
  if (!existsSync(path)) throw new Error(`${dir}/${file} does not exist`)
  const { name, version } = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"))
  const source = readFileSync(path, "utf8")
  const match = pattern.exec(source)
  if (match === null) throw new Error(`${dir}/${file} has no \`export const version = "…"\``)
  if (match[2] === version) {
    console.log(`${name}: ${file} already at ${version}`)
    continue
  }
  stale += 1
  if (check) {
    console.error(`${name}: ${file} says ${match[2]}, package.json says ${version}`)
  } else {
    writeFileSync(path, source.replace(pattern, `$1"${version}"`))
    console.log(`${name}: ${file} ${match[2]} -> ${version}`)
  }
}
if (check && stale > 0) process.exit(1)
