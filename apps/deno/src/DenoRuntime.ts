/**
 * Runs the CLI program as the Deno process: Ctrl-C / SIGTERM interrupt it (in-flight requests are
 * cancelled) and the process exits with the program's exit code, 130 after an interruption.
 *
 * @since 0.1.0
 */

import { ExitCode } from "@voucherify-effect/cli"
import { Cause, type Effect, Exit } from "effect"
import * as Runtime from "effect/Runtime"
import { deno, type Signal } from "./internal/deno.ts"

/**
 * @since 0.1.0
 * @category execution
 */
export const runMain = (program: Effect.Effect<ExitCode.ExitCode>): void => {
  // Keeps the event loop alive while the program waits on something that is not a timer or I/O.
  const keepAlive = setInterval(() => {}, 2 ** 30)
  const fiber = Runtime.runFork(Runtime.defaultRuntime)(program)
  const onSignal = () => fiber.unsafeInterruptAsFork(fiber.id())
  const signals: ReadonlyArray<Signal> = ["SIGINT", "SIGTERM"]
  for (const signal of signals) {
    try {
      deno.addSignalListener(signal, onSignal)
    } catch {
      // SIGTERM cannot be listened to on Windows.
    }
  }
  fiber.addObserver((exit) => {
    clearInterval(keepAlive)
    for (const signal of signals) {
      try {
        deno.removeSignalListener(signal, onSignal)
      } catch {
        // not registered
      }
    }
    deno.exit(
      Exit.isSuccess(exit) ? exit.value : Cause.isInterruptedOnly(exit.cause) ? ExitCode.Interrupted : ExitCode.Internal
    )
  })
}
