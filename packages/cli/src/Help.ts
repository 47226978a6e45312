/**
 * Help text rendered from {@link Spec}, and {@link route}, which recognises `--version` and `--help` on a
 * command line so the entry files can answer them without loading the rest of the program. Pure: no
 * imports but `Spec`.
 *
 * @since 0.1.0
 */
import * as Spec from "./Spec.js"

const table = (rows: ReadonlyArray<readonly [string, string]>): Array<string> => {
  const width = Math.max(...rows.map(([left]) => left.length))
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`)
}

const flagLeft = (flag: Spec.Flag): string =>
  `${flag.name === "help" ? "-h, " : ""}--${flag.name}${flag.value === undefined ? "" : ` ${flag.value}`}`

const usageOf = (command: Spec.CommandSpec): string => {
  const args = command.args.map((arg) => (arg.variadic === true ? `<${arg.name}>...` : `<${arg.name}>`))
  const flags = command.flags.map(
    (flag) =>
      `[--${flag.name}${flag.value === undefined ? "" : ` ${flag.value}`}]${flag.repeatable === true ? "..." : ""}`
  )
  return [`${Spec.name} ${command.name}`, ...args, ...flags, "[global options]"].join(" ")
}

/**
 * The root help: what the program does, its commands, global options, environment and exit codes.
 *
 * @since 0.1.0
 * @category rendering
 */
export const root = (commands: ReadonlyArray<Spec.CommandSpec>): string =>
  [
    "Follow Voucherify async actions from the terminal.",
    "",
    "Usage",
    `  ${Spec.name} <command> [options]`,
    "",
    "Commands",
    ...table(
      commands.map((command) => [
        [
          command.name,
          ...command.args.map((arg) => (arg.variadic === true ? `<${arg.name}>...` : `<${arg.name}>`))
        ].join(" "),
        command.summary
      ])
    ),
    "",
    "Global options",
    ...table([...Spec.connectionFlags, ...Spec.globalFlags].map((flag) => [flagLeft(flag), flag.description])),
    "",
    "Environment",
    ...table(Spec.environment),
    "",
    "Exit codes",
    ...table(Spec.exitCodes.map(([code, meaning]) => [String(code), meaning])),
    "",
    `Run '${Spec.name} <command> --help' for a command's options and examples.`,
    ""
  ].join("\n")

/**
 * The help of one command: description, usage, arguments, options, examples.
 *
 * @since 0.1.0
 * @category rendering
 */
export const command = (command: Spec.CommandSpec): string =>
  [
    command.description,
    "",
    "Usage",
    `  ${usageOf(command)}`,
    ...(command.args.length === 0
      ? []
      : ["", "Arguments", ...table(command.args.map((arg) => [`<${arg.name}>`, arg.description]))]),
    "",
    "Options",
    ...table(
      command.flags.map((flag) => [
        flagLeft(flag),
        `${flag.description}${flag.repeatable === true ? " (repeatable)" : ""}`
      ])
    ),
    "",
    "Examples",
    ...command.examples.flatMap(([comment, line]) => [`  # ${comment}`, `  $ ${line}`]),
    "",
    `Global options: ${[...(command.connects ? Spec.connectionFlags : []), ...Spec.globalFlags]
      .map((flag) => `--${flag.name}`)
      .join(", ")} (see '${Spec.name} --help').`,
    ""
  ].join("\n")

/**
 * The arguments that are neither a flag nor a flag's value, in order (the command name first).
 *
 * @since 0.1.0
 * @category routing
 */
export const positionals = (args: ReadonlyArray<string>, commands: ReadonlyArray<Spec.CommandSpec>): Array<string> => {
  const takesValue = new Set(
    [...Spec.connectionFlags, ...Spec.globalFlags, ...commands.flatMap((command) => command.flags)]
      .filter((flag) => flag.value !== undefined)
      .map((flag) => `--${flag.name}`)
  )
  const found: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--") {
      found.push(...args.slice(i + 1))
      break
    }
    if (takesValue.has(arg)) i++
    else if (!arg.startsWith("-")) found.push(arg)
  }
  return found
}

/**
 * What a command line asks for before any parsing: the version, some help, or a run.
 *
 * @since 0.1.0
 * @category models
 */
export type Route =
  | { readonly _tag: "Version" }
  | { readonly _tag: "Help"; readonly text: string }
  | { readonly _tag: "Run" }

/**
 * Recognises `--version` and `--help`/`-h` (for the program or for one command) in the arguments after
 * the program name; everything else is a run. `--` ends the options.
 *
 * @since 0.1.0
 * @category routing
 */
export const route = (args: ReadonlyArray<string>, commands: ReadonlyArray<Spec.CommandSpec>): Route => {
  const end = args.indexOf("--")
  const options = end === -1 ? args : args.slice(0, end)
  const first = positionals(options, commands)[0]
  const found = commands.find((candidate) => candidate.name === first)
  if (options.includes("--help") || options.includes("-h")) {
    return { _tag: "Help", text: found === undefined ? root(commands) : command(found) }
  }
  if (options.includes("--version") && found === undefined) return { _tag: "Version" }
  return { _tag: "Run" }
}
