// Bundles the Deno entry into one portable ESM file: dist/voucherify-async.mjs, which runs with
// `deno run --allow-net --allow-env dist/voucherify-async.mjs` and nothing else installed.
// `--platform=neutral` resolves no Node built-in: any `node:*`/`fs`/`http` import anywhere fails the build.
import { chmodSync } from "node:fs"
import { build } from "esbuild"

const outfile = "dist/voucherify-async.mjs"
await build({
  entryPoints: ["src/main.ts"],
  outfile,
  bundle: true,
  platform: "neutral",
  format: "esm",
  target: "es2022",
  mainFields: ["module", "main"],
  legalComments: "none",
  banner: { js: "#!/usr/bin/env -S deno run --allow-net --allow-env" },
  logLevel: "warning"
})
chmodSync(outfile, 0o755)
