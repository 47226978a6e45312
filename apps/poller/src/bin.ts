#!/usr/bin/env node
/**
 * The Node entry of `voucherify-async`. `--version` and `--help` are answered from the CLI's spec alone
 * (a few KB of code); every other command line loads the runtime (`main.ts`: Effect, `@effect/cli`, the
 * client and Node's platform layers) on demand. esbuild bundles the two into separate chunks.
 *
 * @since 0.1.0
 */
import * as Help from "@voucherify-effect/cli/Help"
import * as Spec from "@voucherify-effect/cli/Spec"

const routed = Help.route(process.argv.slice(2), [...Spec.commands, Spec.demo])
if (routed._tag === "Version") process.stdout.write(`${Spec.version}\n`)
else if (routed._tag === "Help") process.stdout.write(routed.text)
else await import("./main.js")
