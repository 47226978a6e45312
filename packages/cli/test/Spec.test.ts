// The help is rendered from Spec while @effect/cli parses with the commands in Cli.ts: these tests keep
// the two in step (every flag and argument the parser takes is documented, and nothing else).
import { Command, HelpDoc, Usage } from "@effect/cli"
import { describe, expect, it } from "@effect/vitest"
import * as Cli from "../src/Cli.js"
import * as Help from "../src/Help.js"
import * as Spec from "../src/Spec.js"
import * as Stdio from "../src/Stdio.js"

const usageText = (command: Command.Command<string, never, never, unknown>) =>
  Stdio.stripAnsi(HelpDoc.toAnsiText(Usage.getHelp(Command.getUsage(command))))

const parsers = { get: Cli.get, list: Cli.list, watch: Cli.watch } as const

describe("Spec", () => {
  it.each(Spec.commands.map((spec) => [spec.name, spec] as const))(
    "%s: the parser's flags are the documented ones",
    (name, spec) => {
      const text = usageText(parsers[name as keyof typeof parsers] as never)
      const parsed = new Set(text.match(/--[a-z-]+/g))
      const documented = new Set(
        [...spec.flags, ...(spec.connects ? Spec.connectionFlags : [])].map((f) => `--${f.name}`)
      )
      expect([...parsed].sort()).toEqual([...documented].sort())
      for (const arg of spec.args) expect(text).toContain(`<${arg.name}>`)
    }
  )

  it("routes --help and --version before anything is parsed", () => {
    const commands = Spec.commands
    expect(Help.route(["--version"], commands)).toEqual({ _tag: "Version" })
    expect(Help.route(["list", "--help"], commands)).toEqual({ _tag: "Help", text: Help.command(commands[1]!) })
    expect(Help.route(["--log-level", "debug", "watch", "-h"], commands)).toEqual({
      _tag: "Help",
      text: Help.command(commands[2]!)
    })
    expect(Help.route(["get", "aa_1", "--", "--help"], commands)).toEqual({ _tag: "Run" })
    expect(Help.route(["list", "--all"], commands)).toEqual({ _tag: "Run" })
  })

  it("takes --log-level and --wizard off the command line wherever they stand", () => {
    const parsed = Cli.globals(["list", "--all", "--log-level", "debug", "--json", "--wizard"])
    expect(parsed._tag).toBe("Right")
    if (parsed._tag === "Right") {
      expect(parsed.rest).toEqual(["list", "--all", "--json"])
      expect(parsed.level?.label).toBe("DEBUG")
      expect(parsed.wizard).toBe(true)
    }
    expect(Cli.globals(["get", "--log-level=LOUD"])).toMatchObject({
      _tag: "Left",
      message: expect.stringContaining('Invalid --log-level: "LOUD"')
    })
    expect(Cli.globals(["get", "--log-level"])).toMatchObject({ _tag: "Left" })
  })
})
