/**
 * What `voucherify-async` offers, as plain data: the commands, their arguments, options and examples, the
 * global options, the environment and the exit codes. Help is rendered from it (`Help.ts`) and a test
 * checks that the `@effect/cli` commands in `Cli.ts` accept exactly these flags. No imports, so the help
 * and `--version` paths load nothing else.
 *
 * @since 0.1.0
 */

/**
 * The program name shown in usage, help and error lines.
 *
 * @since 0.1.0
 * @category constants
 */
export const name = "voucherify-async"

/**
 * The CLI's version (kept in step with its package.json).
 *
 * @since 0.1.0
 * @category constants
 */
export const version = "0.1.0"

/**
 * One flag: `--name VALUE`, with a one-line description.
 *
 * @since 0.1.0
 * @category models
 */
export interface Flag {
  readonly name: string
  /** The value's placeholder; none for a boolean flag. */
  readonly value?: string
  readonly description: string
  readonly repeatable?: boolean
}

/**
 * One positional argument.
 *
 * @since 0.1.0
 * @category models
 */
export interface Arg {
  readonly name: string
  readonly description: string
  readonly variadic?: boolean
}

/**
 * One subcommand.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommandSpec {
  readonly name: string
  /** One line, shown in the root help's command list. */
  readonly summary: string
  /** A few sentences, shown at the top of the command's help. */
  readonly description: string
  readonly args: ReadonlyArray<Arg>
  readonly flags: ReadonlyArray<Flag>
  /** Whether the connection options apply (every command that talks to the API). */
  readonly connects: boolean
  readonly examples: ReadonlyArray<readonly [comment: string, command: string]>
}

/**
 * The options that choose the API and credentials, accepted by every command that talks to the API.
 *
 * @since 0.1.0
 * @category constants
 */
export const connectionFlags: ReadonlyArray<Flag> = [
  { name: "api-url", value: "URL", description: "API base URL (overrides VOUCHERIFY_API_URL / VOUCHERIFY_CLUSTER)" },
  { name: "app-id", value: "ID", description: "Application id (overrides VOUCHERIFY_APP_ID)" },
  {
    name: "secret-key-file",
    value: "PATH",
    description: "Read the secret key from this file instead of VOUCHERIFY_SECRET_KEY"
  }
]

/**
 * The log levels `--log-level` accepts.
 *
 * @since 0.1.0
 * @category constants
 */
export const logLevels = ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"] as const

/**
 * Options every command accepts, anywhere on the line.
 *
 * @since 0.1.0
 * @category constants
 */
export const globalFlags: ReadonlyArray<Flag> = [
  { name: "log-level", value: "LEVEL", description: `Log to stderr at this level (${logLevels.join(", ")})` },
  { name: "help", description: "Show help" },
  { name: "version", description: "Show the version" }
]

const id = "aa_0afb3d009a55814a48"

/**
 * The subcommands, in the order help lists them.
 *
 * @since 0.1.0
 * @category constants
 */
export const commands: ReadonlyArray<CommandSpec> = [
  {
    name: "get",
    summary: "Show one async action",
    description: "Show one async action: type, status, progress, timing and its result (counts, first failures).",
    args: [{ name: "id", description: "The async action id (aa_…)" }],
    flags: [{ name: "json", description: "Print the API's wire JSON (snake_case)" }],
    connects: true,
    examples: [
      ["a readable summary", `${name} get ${id}`],
      ["the action as the API's JSON, for jq", `${name} get ${id} --json | jq .result`]
    ]
  },
  {
    name: "list",
    summary: "List async actions, newest first",
    description:
      "List async actions, newest first: one page, or every page with --all (rows stream as pages arrive). " +
      "The table goes to stdout and its footer to stderr, so piped output holds only rows.",
    args: [],
    flags: [
      { name: "limit", value: "N", description: "Actions per page, 1..100 (default 20; with --all 100)" },
      { name: "end-date", value: "DATE", description: "Only actions created before this ISO 8601 date or date-time" },
      { name: "all", description: "Walk every page" },
      {
        name: "status",
        value: "STATUS",
        description: "Keep only this status: ENQUEUED, IN_PROGRESS, DONE or FAILED (any case)",
        repeatable: true
      },
      {
        name: "type",
        value: "TYPE",
        description: "Keep only this type, e.g. VOUCHERS.IMPORT (any case)",
        repeatable: true
      },
      { name: "json", description: "One action per line (NDJSON, the API's wire JSON)" }
    ],
    connects: true,
    examples: [
      ["the 20 newest", `${name} list`],
      ["every action that failed, across all pages", `${name} list --all --status failed`],
      ["imports created before a date, as NDJSON", `${name} list --end-date 2024-06-01 --type VOUCHERS.IMPORT --json`],
      ["count everything still running", `${name} list --all --status IN_PROGRESS --status ENQUEUED --json | wc -l`]
    ]
  },
  {
    name: "watch",
    summary: "Follow async actions until each finishes",
    description:
      "Follow async actions until each finishes, with a live progress bar per action on a terminal. " +
      "Exits 0 when all succeeded, 1 when any FAILED, 5 on timeout.",
    args: [{ name: "id", description: "Async action ids (aa_…), one or more", variadic: true }],
    flags: [
      { name: "timeout", value: "DURATION", description: "Give up after this long (30s, 5m, 1h); exit code 5" },
      { name: "interval", value: "DURATION", description: "Poll at this fixed interval (default: 1s growing to 15s)" },
      { name: "json", description: "One NDJSON line (wire JSON) per change" }
    ],
    connects: true,
    examples: [
      ["follow two actions", `${name} watch ${id} aa_1bc2d3e4f5a6b7c8d9`],
      ["fail a CI step if the import is not done within 10 minutes", `${name} watch ${id} --timeout 10m`],
      ["stream every change as JSON", `${name} watch ${id} --json | jq -c '{status, progress}'`]
    ]
  }
]

/**
 * The `demo` command, which only the Node entry offers (it starts the Node-only emulator).
 *
 * @since 0.1.0
 * @category constants
 */
export const demo: CommandSpec = {
  name: "demo",
  summary: "Try every command against a local emulator",
  description:
    "Start a local Voucherify emulator, create a handful of async actions (one of them fails), watch them " +
    "with progress bars and list them. Needs no configuration or network; takes about 6 seconds.",
  args: [],
  flags: [{ name: "interval", value: "DURATION", description: "Poll interval while watching (default 250ms)" }],
  connects: false,
  examples: [["the whole tour", `${name} demo`]]
}

/**
 * Where the configuration comes from.
 *
 * @since 0.1.0
 * @category constants
 */
export const environment: ReadonlyArray<readonly [variable: string, description: string]> = [
  ["VOUCHERIFY_APP_ID", "Application id"],
  ["VOUCHERIFY_SECRET_KEY", "Secret key (or VOUCHERIFY_ACCESS_TOKEN)"],
  ["VOUCHERIFY_API_URL", "API base URL, or VOUCHERIFY_CLUSTER: api, us1.api, as1.api"],
  ["VOUCHERIFY_REQUEST_TIMEOUT", "Per-request timeout (default 30 seconds)"],
  ["VOUCHERIFY_MAX_RETRIES", "Retries of a transient failure (default 4; 0 disables)"],
  ["VOUCHERIFY_RATE_LIMIT", "Requests per minute this process may send (default: the server's pauses only)"],
  ["VOUCHERIFY_RATE_LIMIT_REDIS_URL", "redis:// URL: share VOUCHERIFY_RATE_LIMIT with every process on it (Node)"],
  ["NO_COLOR", "Set to turn colours off"]
]

/**
 * The exit codes scripts rely on.
 *
 * @since 0.1.0
 * @category constants
 */
export const exitCodes: ReadonlyArray<readonly [code: number, meaning: string]> = [
  [0, "success"],
  [1, "an async action FAILED"],
  [2, "usage or invalid input (nothing was sent)"],
  [3, "the API refused the request (4xx)"],
  [4, "the API stayed unavailable after retries"],
  [5, "a wait passed its --timeout"],
  [70, "internal error (please report it)"],
  [130, "interrupted"]
]
