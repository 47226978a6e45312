/**
 * The Node runtime of `voucherify-async`, loaded by `bin.ts` for every run that is not `--help` or
 * `--version`. With `bin.ts`, the only files that pick a platform. It provides Node's
 * context (FileSystem, Path, Terminal), the HttpClient (`NodeTransport`, on undici), the process
 * streams and the rate limiter (shared on Redis when configured), adds the Node-only `demo` command, and turns the program's result into the process exit code
 * (130 after Ctrl-C / SIGTERM, once in-flight requests are cancelled).
 *
 * @since 0.1.0
 */
// Deep imports: the package's index also loads cluster, sql and worker support (≈0.4 s of startup).
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Cli, ExitCode, Stdio } from "@voucherify-effect/cli"
import { NodeTransport } from "@voucherify-effect/node"
import { RedisRateLimit } from "@voucherify-effect/rate-limit-redis"
import { Cause, Effect, Exit, Layer } from "effect"
import * as Demo from "./Demo.js"

const nodeStream = (stream: NodeJS.WriteStream): Stdio.Stream => ({
  // Resolves once Node has handed the text to the OS, so a large `list --all` respects backpressure
  // and nothing is lost when the process exits right after.
  write: (text) =>
    text === "" ? Effect.void : Effect.async<void>((resume) => void stream.write(text, () => resume(Effect.void))),
  isTTY: stream.isTTY === true,
  columns: () => stream.columns
})

// `voucherify-async list --all --json | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0)
    throw error
  })
}

const StdioLive = Layer.succeed(Stdio.Stdio, {
  stdout: nodeStream(process.stdout),
  stderr: nodeStream(process.stderr),
  interactive: process.stdin.isTTY === true
})

// VOUCHERIFY_RATE_LIMIT alone: an in-memory limit; with VOUCHERIFY_RATE_LIMIT_REDIS_URL, the budget shared with
// every process using that Redis and app id.
const program = Cli.run(process.argv, { extra: [Demo.extra], rateLimiter: RedisRateLimit.layerConfig() }).pipe(
  Effect.provide(
    Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer, NodeTransport.layer, StdioLive)
  )
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit)
        ? (exit.value as number)
        : Cause.isInterruptedOnly(exit.cause)
          ? ExitCode.Interrupted
          : ExitCode.Internal
    )
})
