import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Console, Effect } from "effect"
import * as Stdio from "../src/Stdio.js"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("Stdio", () => {
  it.effect("colours only on a terminal without NO_COLOR", () =>
    Effect.gen(function* () {
      const tty = Stdio.memory({ isTTY: true })
      const pipe = Stdio.memory()
      expect(yield* Stdio.useColor(tty.stdout).pipe(withEnv({}))).toBe(true)
      expect(yield* Stdio.useColor(tty.stdout).pipe(withEnv({ NO_COLOR: "1" }))).toBe(false)
      expect(yield* Stdio.useColor(tty.stdout).pipe(withEnv({ NO_COLOR: "" }))).toBe(true)
      expect(yield* Stdio.useColor(pipe.stdout).pipe(withEnv({}))).toBe(false)
    })
  )

  it.effect(
    "the Console sends log to stdout, warn to stderr, drops error (Cli.run reports it), strips ANSI when colours are off",
    () =>
      Effect.gen(function* () {
        const stdio = Stdio.memory()
        const base = yield* Console.consoleWith(Effect.succeed)
        const console = Stdio.makeConsole(stdio, base, { out: false, err: true })
        yield* Console.log("\x1b[1mhelp\x1b[0m").pipe(Effect.withConsole(console))
        yield* Console.warn("\x1b[31mbad\x1b[0m").pipe(Effect.withConsole(console))
        yield* Console.error("a whole help document").pipe(Effect.withConsole(console))
        expect(stdio.out).toEqual(["help\n"])
        expect(stdio.err).toEqual(["\x1b[31mbad\x1b[0m\n"])
      })
  )
})
