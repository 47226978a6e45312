/**
 * The `voucherify-async` commands (`get`, `list`, `watch`) and {@link run}, which parses argv, runs a
 * command and returns its exit code. Platform-neutral: the entry file provides the `HttpClient`, the
 * `@effect/cli` environment (FileSystem, Path, Terminal) and {@link Stdio.Stdio}.
 *
 * @since 0.1.0
 */
import { Args, type CliApp, Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { FileSystem, type HttpClient } from "@effect/platform"
import { type AsyncAction, AsyncActionList, AsyncActionType, VoucherifyError } from "@voucherify-effect/core"
import { AsyncActions, PollPolicy, RetryPolicy, VoucherifyClient, VoucherifyConfig } from "@voucherify-effect/http"
import {
  Cause,
  Config,
  Console,
  Duration,
  Effect,
  Either,
  FiberRef,
  HashSet,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Stream
} from "effect"
import * as ExitCode from "./ExitCode.js"
import * as Render from "./Render.js"
import * as Stdio from "./Stdio.js"
import { version } from "./version.js"
import * as Watch from "./Watch.js"

/**
 * The program name shown in help and error lines.
 *
 * @since 0.1.0
 * @category constants
 */
export const name = "voucherify-async"

// ---------------------------------------------------------------------------------------------------
// Shared options
// ---------------------------------------------------------------------------------------------------

const connection = {
  apiUrl: Options.text("api-url").pipe(
    Options.withPseudoName("URL"),
    Options.withDescription(
      "API base URL (overrides VOUCHERIFY_API_URL / VOUCHERIFY_CLUSTER), e.g. https://us1.api.voucherify.io"
    ),
    Options.optional
  ),
  appId: Options.text("app-id").pipe(
    Options.withPseudoName("ID"),
    Options.withDescription("Application id (overrides VOUCHERIFY_APP_ID)"),
    Options.optional
  ),
  secretKeyFile: Options.text("secret-key-file").pipe(
    Options.withPseudoName("PATH"),
    Options.withDescription(
      "Read the secret key from this file (one line) instead of VOUCHERIFY_SECRET_KEY. The key itself is never a flag."
    ),
    Options.optional
  )
}

interface Connection {
  readonly apiUrl: Option.Option<string>
  readonly appId: Option.Option<string>
  readonly secretKeyFile: Option.Option<string>
}

const json = Options.boolean("json").pipe(Options.withDescription("Print the API's wire JSON (snake_case) instead"))

const readSecretKeyFile = (path: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
    Effect.mapError(
      (error) =>
        new VoucherifyError.InvalidConfig({
          field: "--secret-key-file",
          reason: `cannot read ${JSON.stringify(path)} (${error._tag === "SystemError" && error.reason === "NotFound" ? "no such file" : error.message})`
        })
    ),
    Effect.map((text) => Redacted.make(text.replace(/\r?\n$/, "")))
  )

/**
 * `VOUCHERIFY_MAX_RETRIES`: how many times a transient failure is retried (default 4). 0 disables retries.
 *
 * @since 0.1.0
 * @category config
 */
export const maxRetriesConfig: Config.Config<Option.Option<number>> = Config.option(
  Config.integer("VOUCHERIFY_MAX_RETRIES").pipe(
    Config.validate({ message: "must be 0 or more", validation: (n) => n >= 0 })
  )
)

const retryPolicy = maxRetriesConfig.pipe(
  Effect.mapError(
    (error) =>
      new VoucherifyError.InvalidConfig({
        field: "VOUCHERIFY_MAX_RETRIES",
        reason: error.toString().replace(/\s+/g, " ")
      })
  ),
  Effect.map(Option.map((maxRetries) => RetryPolicy.make({ maxRetries })))
)

/**
 * The `AsyncActions` service configured from the environment, with the connection flags on top.
 *
 * @since 0.1.0
 * @category layers
 */
export const clientLayer = (
  flags: Connection
): Layer.Layer<
  AsyncActions.AsyncActions,
  VoucherifyError.InvalidConfig,
  HttpClient.HttpClient | FileSystem.FileSystem
> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const secretKey = Option.isSome(flags.secretKeyFile)
        ? yield* readSecretKeyFile(flags.secretKeyFile.value)
        : undefined
      const overrides: VoucherifyConfig.Options = {
        apiUrl: Option.getOrUndefined(flags.apiUrl),
        appId: Option.getOrUndefined(flags.appId),
        secretKey
      }
      return AsyncActions.layer.pipe(Layer.provide(VoucherifyClient.layerConfig(VoucherifyConfig.fromEnv, overrides)))
    })
  )

const withRetryPolicy = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(
    retryPolicy,
    Option.match({ onNone: () => self, onSome: (policy) => RetryPolicy.withPolicy(policy)(self) })
  )

const stdoutStyle = Effect.flatMap(Stdio.Stdio, (stdio) => Stdio.useColor(stdio.stdout)).pipe(
  Effect.map((color): Render.Style => ({ color }))
)

/**
 * Reports a failure as one line on stderr (the full cause too under `--log-level debug`) and turns it
 * into an {@link ExitCode.Exit}. Interruption passes through untouched.
 *
 * @since 0.1.0
 * @category combinators
 */
export const reported = <A, R>(
  self: Effect.Effect<A, VoucherifyError.VoucherifyError | ExitCode.Exit, R>
): Effect.Effect<A, ExitCode.Exit, R | Stdio.Stdio> =>
  Effect.catchAllCause(self, (cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
    return Effect.gen(function* () {
      const level = yield* FiberRef.get(FiberRef.currentMinimumLogLevel)
      const debug = LogLevel.lessThanEqual(level, LogLevel.Debug)
      const failure = Cause.failureOption(cause)
      if (Option.isSome(failure) && failure.value._tag === "CliExit") return yield* failure.value
      const code: ExitCode.ExitCode = Option.match(failure, {
        onNone: (): ExitCode.ExitCode => ExitCode.Internal,
        onSome: (error): ExitCode.ExitCode => ExitCode.fromError(error as VoucherifyError.VoucherifyError)
      })
      const message = Option.match(failure, {
        onNone: () => `internal error (please report it): ${oneLine(Cause.squash(cause))}`,
        onSome: (error) => (error as VoucherifyError.VoucherifyError).message
      })
      yield* Stdio.err(`${name}: ${message}`)
      if (debug) yield* Stdio.err(Cause.pretty(cause, { renderErrorCause: true }))
      return yield* new ExitCode.Exit({ code })
    })
  })

const oneLine = (u: unknown): string =>
  (u instanceof Error ? `${u.name}: ${u.message}` : String(u)).replace(/\s+/g, " ").slice(0, 500)

const examples = (description: string, lines: ReadonlyArray<readonly [string, string]>): HelpDoc.HelpDoc =>
  HelpDoc.blocks([
    HelpDoc.p(description),
    HelpDoc.p("Examples:"),
    ...lines.flatMap(([comment, command]) => [HelpDoc.p(`  # ${comment}`), HelpDoc.p(`  $ ${command}`)])
  ])

const decodeMillisShorthand = (input: string): Option.Option<Duration.Duration> => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(input.trim())
  if (match === null) return Option.none()
  const amount = Number(match[1])
  const unit = match[2]
  const millis =
    unit === "ms" ? amount : unit === "s" ? amount * 1000 : unit === "m" ? amount * 60_000 : amount * 3_600_000
  return Option.some(Duration.millis(millis))
}

/**
 * Parses a duration flag: `30s`, `500ms`, `2m`, `1h`, or Effect's `30 seconds` / `1500 millis`.
 *
 * @since 0.1.0
 * @category validation
 */
export const parseDuration = (
  input: string,
  field: string
): Either.Either<Duration.Duration, VoucherifyError.InvalidInput> => {
  const short = decodeMillisShorthand(input)
  return Either.mapLeft(
    AsyncActions.validateDuration(Option.isSome(short) ? short.value : input.trim(), field),
    () =>
      new VoucherifyError.InvalidInput({
        field,
        reason: `${JSON.stringify(input)} is not a positive duration (e.g. 30s, 500ms, 2m, "90 seconds")`
      })
  )
}

// ---------------------------------------------------------------------------------------------------
// get
// ---------------------------------------------------------------------------------------------------

const encodeAction = Watch.jsonLine

/**
 * `get <id> [--json]`
 *
 * @since 0.1.0
 * @category commands
 */
export const get = Command.make(
  "get",
  {
    id: Args.text({ name: "id" }).pipe(Args.withDescription("The async action id (aa_…)")),
    json,
    ...connection
  },
  (flags) =>
    Effect.gen(function* () {
      const id = yield* AsyncActions.validateId(flags.id)
      const action = yield* AsyncActions.get(id).pipe(withRetryPolicy, Effect.provide(clientLayer(flags)))
      if (flags.json) return yield* Stdio.out(encodeAction(action))
      const style = yield* stdoutStyle
      yield* Stdio.out(Render.summary(action, style).join("\n"))
    }).pipe(reported)
).pipe(
  Command.withDescription(
    examples("Show one async action: type, status, progress, timing and its result (counts, first failures).", [
      ["a readable summary", `${name} get aa_0afb3d009a55814a48`],
      ["the action as the API's JSON, for jq", `${name} get aa_0afb3d009a55814a48 --json | jq .result`]
    ])
  )
)

// ---------------------------------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------------------------------

const statuses = ["ENQUEUED", "IN_PROGRESS", "DONE", "FAILED"] as const

/**
 * `list [--limit N] [--end-date DATE] [--all] [--status S]... [--type T]... [--json]`
 *
 * @since 0.1.0
 * @category commands
 */
export const list = Command.make(
  "list",
  {
    limit: Options.integer("limit").pipe(
      Options.withPseudoName("N"),
      Options.withDescription("Actions per page, 1..100 (default 20; with --all the page size, default 100)"),
      Options.optional
    ),
    endDate: Options.text("end-date").pipe(
      Options.withPseudoName("DATE"),
      Options.withDescription("Only actions created before this ISO 8601 date or date-time (2024-01-31T12:00:00Z)"),
      Options.optional
    ),
    all: Options.boolean("all").pipe(Options.withDescription("Walk every page (streams as pages arrive)")),
    status: Options.choice("status", statuses).pipe(
      Options.withDescription("Keep only actions with this status (repeatable; filtered client-side)"),
      Options.repeated
    ),
    type: Options.text("type").pipe(
      Options.withPseudoName("TYPE"),
      Options.withDescription(
        "Keep only actions of this type, e.g. VOUCHERS.IMPORT (repeatable; filtered client-side; one of the 22 documented types)"
      ),
      Options.repeated
    ),
    json: Options.boolean("json").pipe(Options.withDescription("One action per line (NDJSON, the API's wire JSON)")),
    ...connection
  },
  (flags) =>
    Effect.gen(function* () {
      const limit = Option.isSome(flags.limit)
        ? yield* AsyncActionList.validateLimit(flags.limit.value, "--limit")
        : undefined
      const endDate = Option.isSome(flags.endDate)
        ? yield* AsyncActionList.validateDate(flags.endDate.value, "--end-date")
        : undefined
      for (const type of flags.type) {
        if (!AsyncActionType.isKnown(type)) {
          return yield* new VoucherifyError.InvalidInput({
            field: "--type",
            reason: `${JSON.stringify(type)} is not an async action type (one of ${AsyncActionType.knownTypes.join(", ")})`
          })
        }
      }
      const statusSet = new Set<string>(flags.status)
      const typeSet = new Set<string>(flags.type)
      const keep = (action: AsyncAction.AsyncAction) =>
        (statusSet.size === 0 || statusSet.has(action.status)) && (typeSet.size === 0 || typeSet.has(action.type))
      const style = yield* stdoutStyle
      const line = (action: AsyncAction.AsyncAction) =>
        flags.json ? encodeAction(action) : Render.tableRow(action, style)
      const stdio = yield* Stdio.Stdio

      const program = Effect.gen(function* () {
        const service = yield* AsyncActions.AsyncActions
        if (flags.all) {
          if (!flags.json) yield* Stdio.out(Render.tableHeader(style))
          let shown = 0
          yield* service.stream({ pageSize: limit ?? 100, endDate }).pipe(
            Stream.filter(keep),
            Stream.runForEachChunk((chunk) => {
              if (chunk.length === 0) return Effect.void
              shown += chunk.length
              let text = ""
              for (const action of chunk) text += `${line(action)}\n`
              return stdio.stdout.write(text)
            })
          )
          if (!flags.json) yield* Stdio.out(Render.dim(style, `${shown} action${shown === 1 ? "" : "s"}`))
          return
        }
        const page = yield* service.list({ limit: limit ?? 20, endDate })
        const shown = page.asyncActions.filter(keep)
        if (flags.json) {
          if (shown.length > 0) yield* stdio.stdout.write(shown.map((action) => `${line(action)}\n`).join(""))
          return
        }
        if (shown.length === 0) {
          yield* Stdio.out(Render.dim(style, "No async actions."))
        } else {
          yield* Stdio.out([Render.tableHeader(style), ...shown.map(line)].join("\n"))
        }
        const more = page.hasMore ?? page.asyncActions.length >= (limit ?? 20)
        if (more) yield* Stdio.out(Render.dim(style, "More actions are available: use --all to list every page."))
      })
      yield* program.pipe(withRetryPolicy, Effect.provide(clientLayer(flags)))
    }).pipe(reported)
).pipe(
  Command.withDescription(
    examples("List async actions, newest first.", [
      ["the 20 newest", `${name} list`],
      ["every action that failed, across all pages", `${name} list --all --status FAILED`],
      ["imports created before a date, as NDJSON", `${name} list --end-date 2024-06-01 --type VOUCHERS.IMPORT --json`],
      ["count everything still running", `${name} list --all --status IN_PROGRESS --status ENQUEUED --json | wc -l`]
    ])
  )
)

// ---------------------------------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------------------------------

/**
 * `watch <id>... [--timeout DURATION] [--json]`
 *
 * @since 0.1.0
 * @category commands
 */
export const watch = Command.make(
  "watch",
  {
    ids: Args.text({ name: "id" }).pipe(Args.withDescription("Async action ids (aa_…), one or more"), Args.atLeast(1)),
    timeout: Options.text("timeout").pipe(
      Options.withPseudoName("DURATION"),
      Options.withDescription('Give up after this long (30s, 5m, "90 seconds"); exit code 5'),
      Options.optional
    ),
    interval: Options.text("interval").pipe(
      Options.withPseudoName("DURATION"),
      Options.withDescription("Poll at this fixed interval instead of the default backoff (1s growing to 15s)"),
      Options.optional
    ),
    json: Options.boolean("json").pipe(Options.withDescription("One NDJSON line (wire JSON) per change")),
    ...connection
  },
  (flags) =>
    Effect.gen(function* () {
      const ids: Array<string> = []
      for (const id of flags.ids) ids.push(yield* AsyncActions.validateId(id))
      const timeout = Option.isSome(flags.timeout) ? yield* parseDuration(flags.timeout.value, "--timeout") : undefined
      const interval = Option.isSome(flags.interval)
        ? yield* parseDuration(flags.interval.value, "--interval")
        : undefined
      const result = yield* Watch.run(ids, {
        json: flags.json,
        timeout,
        schedule: interval === undefined ? undefined : PollPolicy.fixed(interval)
      }).pipe(withRetryPolicy, Effect.provide(clientLayer(flags)))
      if (result.code !== ExitCode.Success) return yield* new ExitCode.Exit({ code: result.code })
    }).pipe(reported)
).pipe(
  Command.withDescription(
    examples(
      "Follow async actions until each finishes, with a live progress bar per action on a terminal. " +
        "Exit code 0 when all succeeded, 1 when any FAILED, 5 on timeout.",
      [
        ["follow two actions", `${name} watch aa_0afb3d009a55814a48 aa_1bc2d3e4f5a6b7c8d9`],
        [
          "fail a CI step if the import is not done within 10 minutes",
          `${name} watch aa_0afb3d009a55814a48 --timeout 10m`
        ],
        ["stream every change as JSON", `${name} watch aa_0afb3d009a55814a48 --json | jq -c '{status, progress}'`]
      ]
    )
  )
)

// ---------------------------------------------------------------------------------------------------
// The application
// ---------------------------------------------------------------------------------------------------

const rootHelp = `Usage: ${name} <command> [options]

Commands:
  get <id>        show one async action
  list            list async actions (one page, or --all)
  watch <id>...   follow actions until they finish
  demo            run everything against a local emulator (when available)

Run '${name} <command> --help' for a command's options and examples.`

const root = Command.make(name, {}, () =>
  Stdio.err(rootHelp).pipe(Effect.zipRight(new ExitCode.Exit({ code: ExitCode.Usage })))
).pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p("Follow Voucherify async actions from the terminal."),
      HelpDoc.p(
        "Configuration: VOUCHERIFY_API_URL or VOUCHERIFY_CLUSTER (api, us1.api, as1.api), VOUCHERIFY_APP_ID and " +
          "VOUCHERIFY_SECRET_KEY (or VOUCHERIFY_ACCESS_TOKEN), VOUCHERIFY_REQUEST_TIMEOUT, VOUCHERIFY_MAX_RETRIES."
      ),
      HelpDoc.p(
        "Exit codes: 0 ok, 1 an action FAILED, 2 usage or invalid input, 3 API refused, 4 API unavailable, 5 timeout, 130 interrupted."
      )
    ])
  )
)

/**
 * A subcommand contributed by an entry file (for example `demo`, which needs the Node-only emulator).
 *
 * @since 0.1.0
 * @category models
 */
export type Extra = Command.Command<
  // biome-ignore lint/suspicious/noExplicitAny: a command of any name (the name type is invariant)
  any,
  HttpClient.HttpClient | Stdio.Stdio | CliApp.CliApp.Environment,
  ExitCode.Exit,
  // biome-ignore lint/suspicious/noExplicitAny: whatever its parsed arguments are
  any
>

/**
 * The root command with `get`, `list`, `watch` and any extra subcommands.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (extra: ReadonlyArray<Extra> = []) => Command.withSubcommands(root, [get, list, watch, ...extra])

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  readonly extra?: ReadonlyArray<Extra> | undefined
}

/**
 * Parses `argv` (as `process.argv`: runtime and script first), runs the command and returns the exit
 * code. Usage errors are printed to stderr by `@effect/cli` and give 2. Interruption is not caught:
 * the entry file maps it to 130.
 *
 * @since 0.1.0
 * @category execution
 */
export const run = (
  argv: ReadonlyArray<string>,
  options: RunOptions = {}
): Effect.Effect<ExitCode.ExitCode, never, CliApp.CliApp.Environment | HttpClient.HttpClient | Stdio.Stdio> =>
  Effect.gen(function* () {
    const stdio = yield* Stdio.Stdio
    const color = { out: yield* Stdio.useColor(stdio.stdout), err: yield* Stdio.useColor(stdio.stderr) }
    const console = yield* Console.consoleWith((base) => Effect.succeed(Stdio.makeConsole(stdio, base, color)))
    const cli = Command.run(make(options.extra ?? []), { name, version })
    return yield* cli(argv).pipe(
      Effect.as(ExitCode.Success as ExitCode.ExitCode),
      Effect.catchAll((error) => {
        if (error instanceof ExitCode.Exit) return Effect.succeed(error.code)
        if (ValidationError.isValidationError(error)) {
          return Stdio.err(`Run '${name} --help' or '${name} <command> --help' for usage.`).pipe(
            Effect.as<ExitCode.ExitCode>(ExitCode.Usage)
          )
        }
        return Stdio.err(`${name}: ${oneLine(error)}`).pipe(Effect.as<ExitCode.ExitCode>(ExitCode.Internal))
      }),
      Effect.catchAllDefect((defect) =>
        Stdio.err(`${name}: internal error (please report it): ${oneLine(defect)}`).pipe(
          Effect.as<ExitCode.ExitCode>(ExitCode.Internal)
        )
      ),
      Effect.withConsole(console),
      // Logs (only shown with --log-level) go to stderr so stdout stays parseable.
      Effect.locally(FiberRef.currentLoggers, HashSet.make(Logger.withConsoleError(Logger.logfmtLogger)))
    )
  })
