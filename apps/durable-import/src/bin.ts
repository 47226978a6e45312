#!/usr/bin/env node
/**
 * The Node entry of `durable-import`: decodes the flags, picks the Node transport, runs the durable
 * import and exits with its code. Logs go to stderr; stdout carries only the final action.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { NodeTransport } from "@voucherify-effect/node"
import { Cause, Effect, Either, Exit, Logger, LogLevel } from "effect"
import * as Flags from "./Flags.js"
import * as Program from "./Program.js"

const parsed = Flags.parse(process.argv.slice(2))
if (Either.isLeft(parsed)) {
  process.stderr.write(`durable-import: ${parsed.left}\n\n${Flags.usage}\n`)
  process.exit(2)
}
if (parsed.right === "help") {
  process.stdout.write(`${Flags.usage}\n`)
  process.exit(0)
}
const flags = parsed.right

const write = (stream: NodeJS.WriteStream, text: string | undefined) =>
  text === undefined
    ? Effect.void
    : Effect.async<void>((resume) => void stream.write(`${text}\n`, () => resume(Effect.void)))

const program = Program.run(flags).pipe(
  Effect.tap((outcome) =>
    Effect.zipRight(write(process.stdout, outcome.stdout), write(process.stderr, outcome.stderr))
  ),
  Effect.map((outcome) => outcome.code),
  Effect.provide(NodeTransport.layer),
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
  Logger.withMinimumLogLevel(process.env.DURABLE_IMPORT_DEBUG === "1" ? LogLevel.Debug : LogLevel.Info)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: false,
  disablePrettyLogger: true,
  teardown: (exit, onExit) =>
    onExit(Exit.isSuccess(exit) ? (exit.value as number) : Cause.isInterruptedOnly(exit.cause) ? 130 : 70)
})
