/**
 * A minimal `Terminal` for `@effect/cli` on Deno: size and TTY detection, and `display` on `Deno.stdout`.
 * The commands never prompt, so interactive input (`--wizard`, prompts) is not supported.
 *
 * @since 0.1.0
 */
import * as PlatformError from "@effect/platform/Error"
import * as Terminal from "@effect/platform/Terminal"
import { Effect, Layer } from "effect"
import { consoleSize, deno, writeAll } from "./internal/deno.ts"

const encoder = new TextEncoder()

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Terminal.Terminal => ({
  columns: Effect.sync(() => consoleSize()?.columns ?? 80),
  rows: Effect.sync(() => consoleSize()?.rows ?? 24),
  isTTY: Effect.sync(() => deno.stdout.isTerminal()),
  readInput: Effect.dieMessage("voucherify-async on Deno does not read interactive input"),
  readLine: Effect.fail(new Terminal.QuitException()),
  display: (text) =>
    Effect.tryPromise({
      try: () => writeAll(deno.stdout, encoder.encode(text)),
      catch: (cause) =>
        new PlatformError.SystemError({
          reason: "Unknown",
          module: "Terminal",
          method: "display",
          description: String(cause),
          cause
        })
    })
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Terminal.Terminal> = Layer.sync(Terminal.Terminal, make)
