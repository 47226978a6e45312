// Builds the Node CLI into dist/:
// - bin.js: the entry (ESM, a few KB): answers --help and --version from the spec, otherwise loads main.cjs;
// - main.cjs: the runtime and every command, bundled into one CommonJS file (no module graph to resolve);
// - main.cache: V8's code cache of main.cjs after one run through start-up and argument parsing, so later
//   runs skip most of the parsing and compiling (V8 ignores a cache that does not match the source or the
//   Node version, and compiles as usual).
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, rmSync } from "node:fs"
import { build } from "esbuild"

rmSync("dist", { recursive: true, force: true })
const common = { bundle: true, platform: "node", target: "node20", logLevel: "warning", legalComments: "none" }
await build({ ...common, entryPoints: ["src/bin.ts"], format: "esm", outfile: "dist/bin.js" })
await build({ ...common, entryPoints: ["src/main.ts"], format: "cjs", outfile: "dist/main.cjs" })
chmodSync("dist/bin.js", 0o755)
try {
  // A usage error: start-up and parsing run, nothing is sent; exits 2.
  execFileSync(process.execPath, ["dist/bin.js", "list", "--limit", "0"], {
    env: { ...process.env, VOUCHERIFY_ASYNC_CODE_CACHE: "write" },
    stdio: "ignore"
  })
} catch {
  // exit code 2 is expected
}
if (!existsSync("dist/main.cache")) throw new Error("the code cache was not written")
