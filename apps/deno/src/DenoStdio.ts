/**
 * The CLI's `Stdio` service on `Deno.stdout` / `Deno.stderr`.
 *
 * @since 0.1.0
 */

import { Stdio } from "@voucherify-effect/cli"
import { Effect, Layer } from "effect"
import { consoleSize, deno, type Writer, writeAll } from "./internal/deno.ts"

const encoder = new TextEncoder()

const stream = (writer: Writer): Stdio.Stream => ({
  // Completes once Deno accepted every byte, so nothing is lost when the process exits right after.
  write: (text) =>
    text === ""
      ? Effect.void
      : Effect.promise(async () => {
          try {
            await writeAll(writer, encoder.encode(text))
          } catch (error) {
            // `voucherify-async list --all --json | head` closes the pipe early: that is not an error.
            if (error instanceof deno.errors.BrokenPipe) deno.exit(0)
            throw error
          }
        }),
  isTTY: writer.isTerminal(),
  columns: () => (writer.isTerminal() ? consoleSize()?.columns : undefined)
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Stdio.Stdio> = Layer.sync(Stdio.Stdio, () => ({
  stdout: stream(deno.stdout),
  stderr: stream(deno.stderr),
  // The Deno terminal reads no input: `--wizard` is refused rather than waiting.
  interactive: false
}))
