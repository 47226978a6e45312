/**
 * The Deno entry of `voucherify-async`: the platform-neutral commands of `@voucherify-effect/cli` (`get`, `list`, `watch`)
 * on `FetchHttpClient`, with Deno-backed `Stdio`, `Terminal` and `FileSystem`, the platform's POSIX
 * `Path`, and configuration from `Deno.env`. No `@effect/platform-node`, no `node:*` modules.
 *
 *   deno run --allow-net --allow-env dist/voucherify-async.mjs list --json
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Path from "@effect/platform/Path"
import { Cli } from "@voucherify-effect/cli"
import { ConfigProvider, Effect, Layer } from "effect"
import * as DenoFileSystem from "./DenoFileSystem.ts"
import * as DenoRuntime from "./DenoRuntime.ts"
import * as DenoStdio from "./DenoStdio.ts"
import * as DenoTerminal from "./DenoTerminal.ts"
import { deno } from "./internal/deno.ts"

// `VOUCHERIFY_*`, `NO_COLOR`: read from Deno's environment (needs --allow-env), split like `fromEnv`.
const config = ConfigProvider.fromMap(new Map(Object.entries(deno.env.toObject())), { pathDelim: "_", seqDelim: "," })

const MainLive = Layer.mergeAll(
  DenoFileSystem.layer,
  Path.layer,
  DenoTerminal.layer,
  FetchHttpClient.layer,
  DenoStdio.layer
)

// `Cli.run` takes argv as Node shapes it: runtime and script first.
DenoRuntime.runMain(
  Cli.run(["deno", "voucherify-async", ...deno.args]).pipe(Effect.provide(MainLive), Effect.withConfigProvider(config))
)
