/**
 * The process's standard output and error streams, as a service: the one place output leaves the
 * program. The entry file of each runtime provides it (Node: `process.stdout`/`process.stderr`; Deno:
 * `Deno.stdout`/`Deno.stderr`), so commands and renderers stay platform-neutral and testable.
 *
 * @since 0.1.0
 */
import { Config, type Console, Context, Effect, Option } from "effect"

/**
 * One writable text stream.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stream {
  /** Writes text as is (add the newline yourself); completes once the runtime accepted it. */
  readonly write: (text: string) => Effect.Effect<void>
  /** Whether the stream is a terminal (redraws and colours are only used then). */
  readonly isTTY: boolean
  /** Terminal width in columns, when known. */
  readonly columns: () => number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly stdout: Stream
  readonly stderr: Stream
  /** Whether stdin is a terminal someone can answer a prompt on (default false: never prompt). */
  readonly interactive?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Stdio extends Context.Tag("@voucherify-effect/cli/Stdio")<Stdio, Service>() {}

/**
 * Collects writes in memory (for unit tests); `isTTY` is false unless asked.
 *
 * @since 0.1.0
 * @category constructors
 */
export const memory = (
  options: { readonly isTTY?: boolean; readonly columns?: number } = {}
): Service & { readonly out: Array<string>; readonly err: Array<string> } => {
  const out: Array<string> = []
  const err: Array<string> = []
  const stream = (into: Array<string>): Stream => ({
    write: (text) => Effect.sync(() => void into.push(text)),
    isTTY: options.isTTY ?? false,
    columns: () => options.columns
  })
  return { stdout: stream(out), stderr: stream(err), out, err }
}

/**
 * Whether colours and styles may be used on a stream: only on a terminal, and never when `NO_COLOR`
 * is set to a non-empty value (https://no-color.org).
 *
 * @since 0.1.0
 * @category utils
 */
export const useColor = (stream: Stream): Effect.Effect<boolean> =>
  Config.option(Config.string("NO_COLOR")).pipe(
    Effect.map((noColor) => stream.isTTY && Option.match(noColor, { onNone: () => true, onSome: (v) => v === "" })),
    Effect.orElseSucceed(() => false)
  )

/**
 * Writes one line to stdout.
 *
 * @since 0.1.0
 * @category utils
 */
export const out = (line: string): Effect.Effect<void, never, Stdio> =>
  Effect.flatMap(Stdio, (stdio) => stdio.stdout.write(`${line}\n`))

/**
 * Writes one line to stderr.
 *
 * @since 0.1.0
 * @category utils
 */
export const err = (line: string): Effect.Effect<void, never, Stdio> =>
  Effect.flatMap(Stdio, (stdio) => stdio.stderr.write(`${line}\n`))

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point
const ansiPattern = /\x1b\[[0-9;?]*[A-Za-z]/g

/**
 * Removes ANSI escape sequences.
 *
 * @since 0.1.0
 * @category utils
 */
export const stripAnsi = (text: string): string => text.replace(ansiPattern, "")

const format = (args: ReadonlyArray<unknown>): string =>
  args.map((arg) => (typeof arg === "string" ? arg : String(arg))).join(" ")

/**
 * A `Console` on these streams: `log`/`info` to stdout, everything else to stderr, ANSI styling
 * (which `@effect/cli` always emits in help texts) removed unless the stream may show colours.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeConsole = (stdio: Service, base: Console.Console, color: { out: boolean; err: boolean }) => {
  const toOut = (...args: ReadonlyArray<unknown>) => {
    const text = format(args)
    return stdio.stdout.write(`${color.out ? text : stripAnsi(text)}\n`)
  }
  const toErr = (...args: ReadonlyArray<unknown>) => {
    const text = format(args)
    return stdio.stderr.write(`${color.err ? text : stripAnsi(text)}\n`)
  }
  const console: Console.Console = {
    ...base,
    log: toOut,
    info: toOut,
    // `@effect/cli` prints a parse error's whole help document here; `Cli.run` reports it as one line instead.
    error: () => Effect.void,
    warn: toErr,
    debug: toErr,
    trace: toErr
  }
  return console
}
