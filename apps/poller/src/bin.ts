#!/usr/bin/env node
/**
 * The Node entry of `voucherify-async`. `--version` and `--help` are answered from the CLI's spec alone
 * (a few KB of code); every other command line loads the runtime (`main.cjs`: Effect, `@effect/cli`, the
 * client and Node's platform layers, built from `main.ts`) with V8's code cache of it when there is one,
 * which saves most of the parse and compile time of start-up (measured in BENCHMARKS.md).
 *
 * @since 0.1.0
 */
import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Script } from "node:vm"
import * as Help from "@voucherify-effect/cli/Help"
import * as Spec from "@voucherify-effect/cli/Spec"

const load = (): void => {
  const here = dirname(fileURLToPath(import.meta.url))
  const file = join(here, "main.cjs")
  const cacheFile = join(here, "main.cache")
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    // no cache: compile as usual
  }
  // The CommonJS wrapper, on the first line so stack traces keep main.cjs's line numbers.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`
  const script = new Script(source, { filename: file, ...(cachedData === undefined ? {} : { cachedData }) })
  if (process.env.VOUCHERIFY_ASYNC_CODE_CACHE === "write") {
    process.once("exit", () => writeFileSync(cacheFile, script.createCachedData()))
  }
  const module = { exports: {} }
  script.runInThisContext()(module.exports, createRequire(file), module, file, here)
}

const routed = Help.route(process.argv.slice(2), [...Spec.commands, Spec.demo])
if (routed._tag === "Version") process.stdout.write(`${Spec.version}\n`)
else if (routed._tag === "Help") process.stdout.write(routed.text)
else load()
