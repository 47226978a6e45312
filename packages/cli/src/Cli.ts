/**
 * The `voucherify-async` commands (`get`, `list`, `watch`) and {@link run}, which parses argv, runs a
 * command and returns its exit code. Platform-neutral: the entry file provides the `HttpClient`, the
 * `@effect/cli` environment (FileSystem, Path, Terminal) and {@link Stdio.Stdio}.
 *
 * Flags are decoded at parse time (`Args.withSchema`, `Options.withSchema`) through the validators of
 * `@voucherify-effect/core`; help is rendered from `Spec` by `Help`; every error is one line on stderr,
 * prefixed with the program name.
 *
 * @since 0.1.0
 */
import { Args, type CliApp, Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import type { HttpClient } from "@effect/platform"
import type { AsyncAction } from "@voucherify-effect/core"
import { Sanitize, VoucherifyError } from "@voucherify-effect/core"
import {
  AsyncActions,
  PollPolicy,
  RateLimit,
  RetryPolicy,
  VoucherifyClient,
  VoucherifyConfig
} from "@voucherify-effect/http"
import {
  Cause,
  Clock,
  Config,
  Console,
  Context,
  Effect,
  FiberRef,
  HashSet,
  Layer,
  Logger,
  LogLevel,
  Option,
  type Redacted,
  Schedule,
  ScheduleIntervals,
  Stream
} from "effect"
import * as ExitCode from "./ExitCode.js"
import * as Help from "./Help.js"
import * as Flags from "./internal/flags.js"
import * as Render from "./Render.js"
import * as Spec from "./Spec.js"
import * as Stdio from "./Stdio.js"
import * as Watch from "./Watch.js"

/**
 * The program name shown in usage, help and error lines.
 *
 * @since 0.1.0
 * @category constants
 */
export const name = Spec.name

// ---------------------------------------------------------------------------------------------------
// Connection options (every command that talks to the API)
// ---------------------------------------------------------------------------------------------------

const connection = {
  apiUrl: Options.text("api-url").pipe(Options.withPseudoName("URL"), Options.optional),
  appId: Options.text("app-id").pipe(Options.withPseudoName("ID"), Options.optional),
  secretKey: Options.text("secret-key-file").pipe(
    Options.withPseudoName("PATH"),
    Options.withSchema(Flags.secretKeyFile),
    Options.optional
  )
}

/**
 * The connection flags, decoded.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  readonly apiUrl: Option.Option<string>
  readonly appId: Option.Option<string>
  readonly secretKey: Option.Option<Redacted.Redacted<string>>
}

const json = Options.boolean("json")

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

// The configuration's field names as the user sets them: a flag when one was given, else the variable.
const variables: Record<string, string> = {
  apiUrl: "VOUCHERIFY_API_URL",
  cluster: "VOUCHERIFY_CLUSTER",
  appId: "VOUCHERIFY_APP_ID",
  secretKey: "VOUCHERIFY_SECRET_KEY",
  accessToken: "VOUCHERIFY_ACCESS_TOKEN",
  apiVersion: "VOUCHERIFY_API_VERSION",
  requestTimeout: "VOUCHERIFY_REQUEST_TIMEOUT"
}

const fieldOf = (field: string, flags: Connection): string =>
  field === "apiUrl" && Option.isSome(flags.apiUrl)
    ? "--api-url"
    : field === "appId" && Option.isSome(flags.appId)
      ? "--app-id"
      : field === "secretKey" && Option.isSome(flags.secretKey)
        ? "--secret-key-file"
        : (variables[field] ?? field)

/**
 * The limiter of a platform without a shared one: `VOUCHERIFY_RATE_LIMIT` in memory (else only the server's
 * pauses). `VOUCHERIFY_RATE_LIMIT_REDIS_URL` is refused rather than ignored: sharing needs the Node entry.
 *
 * @since 0.2.0
 * @category layers
 */
export const rateLimiterFromEnv: Layer.Layer<RateLimit.VoucherifyRateLimiter, VoucherifyError.InvalidConfig> =
  Layer.unwrapEffect(
    Effect.map(
      Config.option(Config.string("VOUCHERIFY_RATE_LIMIT_REDIS_URL")).pipe(Effect.orElseSucceed(Option.none)),
      (url) =>
        Option.isSome(url)
          ? Layer.fail(
              new VoucherifyError.InvalidConfig({
                field: "VOUCHERIFY_RATE_LIMIT_REDIS_URL",
                reason: "is not supported by this build (a shared limit needs the Node CLI)"
              })
            )
          : RateLimit.layerConfig()
    )
  )

/**
 * The rate limiter every command's client uses (see {@link RunOptions.rateLimiter}).
 *
 * @since 0.2.0
 * @category tags
 */
export class RateLimiterLayer extends Context.Reference<RateLimiterLayer>()("@voucherify-effect/cli/RateLimiterLayer", {
  defaultValue: () => rateLimiterFromEnv
}) {}

// Provides a command's client (and its rate limiter) to `self`.
const withClient =
  (flags: Connection) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.flatMap(RateLimiterLayer, (rateLimiter) => Effect.provide(self, clientLayer(flags, rateLimiter)))

/**
 * The `AsyncActions` service configured from the environment, with the connection flags on top. A
 * configuration error names the environment variable (or the flag) the user set.
 *
 * @since 0.1.0
 * @category layers
 */
export const clientLayer = (
  flags: Connection,
  rateLimiter: Layer.Layer<RateLimit.VoucherifyRateLimiter, VoucherifyError.InvalidConfig> = rateLimiterFromEnv
): Layer.Layer<AsyncActions.AsyncActions, VoucherifyError.InvalidConfig, HttpClient.HttpClient> => {
  const overrides: VoucherifyConfig.Options = {
    apiUrl: Option.getOrUndefined(flags.apiUrl),
    appId: Option.getOrUndefined(flags.appId),
    secretKey: Option.getOrUndefined(flags.secretKey)
  }
  return AsyncActions.layer.pipe(
    Layer.provide(VoucherifyClient.layerConfig(VoucherifyConfig.fromEnv, overrides)),
    Layer.provide(rateLimiter),
    Layer.mapError((error) =>
      error._tag === "InvalidConfig"
        ? new VoucherifyError.InvalidConfig({ field: fieldOf(error.field, flags), reason: error.reason })
        : error
    )
  )
}

const retryPolicy = maxRetriesConfig.pipe(
  Effect.mapError(
    () =>
      new VoucherifyError.InvalidConfig({ field: "VOUCHERIFY_MAX_RETRIES", reason: "must be an integer, 0 or more" })
  ),
  Effect.map(Option.map((maxRetries) => RetryPolicy.make({ maxRetries })))
)

const retryReason = (error: VoucherifyError.VoucherifyError): string => {
  switch (error._tag) {
    case "RateLimited":
      return "429 rate limited"
    case "TransportError":
      return "network error"
    case "RequestTimeout":
      return "request timed out"
    default:
      return "status" in error && typeof error.status === "number" ? String(error.status) : error._tag
  }
}

const seconds = (millis: number): string =>
  millis < 1000 ? `${Math.round(millis)} ms` : `${Math.round(millis / 1000)} s`

/**
 * The retry policy in effect (the library's, or `VOUCHERIFY_MAX_RETRIES`), which on a terminal says on
 * stderr when it waits: `retrying in 2 s (503)`. Off a terminal it says nothing, so logs stay clean.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withRetryPolicy = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E | VoucherifyError.InvalidConfig, R | Stdio.Stdio> =>
  Effect.gen(function* () {
    const configured = yield* retryPolicy
    const policy = Option.isSome(configured) ? configured.value : yield* RetryPolicy.CurrentRetryPolicy
    const stdio = yield* Stdio.Stdio
    if (!stdio.stderr.isTTY) return yield* RetryPolicy.withPolicy(policy)(self)
    // `passthrough`: the schedule's output is the error it was fed, so each decision knows its cause.
    const shown = Schedule.passthrough(policy).pipe(
      Schedule.onDecision((error, decision) =>
        decision._tag === "Done"
          ? Effect.void
          : Effect.flatMap(Clock.currentTimeMillis, (now) =>
              stdio.stderr.write(
                `${name}: retrying in ${seconds(ScheduleIntervals.start(decision.intervals) - now)} (${retryReason(error)})\n`
              )
            )
      )
    )
    return yield* RetryPolicy.withPolicy(shown)(self)
  })

const stdoutStyle = Effect.flatMap(Stdio.Stdio, (stdio) => Stdio.useColor(stdio.stdout)).pipe(
  Effect.map((color): Render.Style => ({ color }))
)

// One line, whatever the text: server-supplied parts are already sanitised by the library; this also
// escapes anything else that could drive the terminal and caps the length.
const oneLine = (u: unknown): string =>
  Sanitize.sanitize((u instanceof Error ? `${u.name}: ${u.message}` : String(u)).replace(/[ \t\r\n]+/g, " ").trim(), {
    maxLength: 1000
  })

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
        onSome: (error) => oneLine((error as VoucherifyError.VoucherifyError).message)
      })
      yield* Stdio.err(`${name}: ${message}`)
      if (debug) yield* Stdio.err(Cause.pretty(cause, { renderErrorCause: true }))
      return yield* new ExitCode.Exit({ code })
    })
  })

/**
 * Parses a duration flag: `30s`, `500ms`, `2m`, `1h`, or Effect's `30 seconds` / `1500 millis`
 * (the validator of `@voucherify-effect/core`'s `Input`).
 *
 * @since 0.1.0
 * @category validation
 */
export const durationFlag = Flags.duration

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
  { id: Args.text({ name: "id" }).pipe(Args.withSchema(Flags.id)), json, ...connection },
  (flags) =>
    Effect.gen(function* () {
      const action = yield* AsyncActions.get(flags.id).pipe(withRetryPolicy, withClient(flags))
      if (flags.json) return yield* Stdio.out(encodeAction(action))
      const style = yield* stdoutStyle
      yield* Stdio.out(Render.summary(action, style).join("\n"))
    }).pipe(reported)
)

// ---------------------------------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------------------------------

// Output leaves in writes of about this many characters: fewer system calls for a long `list --all`.
const chunkChars = 64 * 1024

/**
 * `list [--limit N] [--end-date DATE] [--all] [--status S]... [--type T]... [--json]`
 *
 * @since 0.1.0
 * @category commands
 */
export const list = Command.make(
  "list",
  {
    limit: Options.text("limit").pipe(Options.withPseudoName("N"), Options.withSchema(Flags.limit), Options.optional),
    endDate: Options.text("end-date").pipe(
      Options.withPseudoName("DATE"),
      Options.withSchema(Flags.endDate),
      Options.optional
    ),
    all: Options.boolean("all"),
    status: Options.text("status").pipe(
      Options.withPseudoName("STATUS"),
      Options.repeated,
      Options.withSchema(Flags.many(Flags.status))
    ),
    type: Options.text("type").pipe(
      Options.withPseudoName("TYPE"),
      Options.repeated,
      Options.withSchema(Flags.many(Flags.type))
    ),
    json,
    ...connection
  },
  (flags) =>
    Effect.gen(function* () {
      const limit = Option.getOrUndefined(flags.limit)
      const endDate = Option.getOrUndefined(flags.endDate)
      const statusSet = new Set<string>(flags.status)
      const typeSet = new Set<string>(flags.type)
      const keep = (action: AsyncAction.AsyncAction) =>
        (statusSet.size === 0 || statusSet.has(action.status)) && (typeSet.size === 0 || typeSet.has(action.type))
      const style = yield* stdoutStyle
      const line = (action: AsyncAction.AsyncAction) =>
        flags.json ? encodeAction(action) : Render.tableRow(action, style)
      const stdio = yield* Stdio.Stdio
      // Footers and hints go to stderr: piped output holds only the table.
      const note = (text: string) => Stdio.err(Render.dim(style, text))

      const program = Effect.gen(function* () {
        const service = yield* AsyncActions.AsyncActions
        if (flags.all) {
          if (!flags.json) yield* Stdio.out(Render.tableHeader(style))
          let shown = 0
          let pending = ""
          yield* service.stream({ pageSize: limit ?? 100, endDate }).pipe(
            Stream.runForEachChunk((chunk) => {
              for (const action of chunk) {
                if (!keep(action)) continue
                shown++
                pending += `${line(action)}\n`
              }
              if (pending.length < chunkChars) return Effect.void
              const text = pending
              pending = ""
              return stdio.stdout.write(text)
            })
          )
          yield* stdio.stdout.write(pending)
          if (!flags.json) yield* note(`${shown} action${shown === 1 ? "" : "s"}`)
          return
        }
        const page = yield* service.list({ limit: limit ?? 20, endDate })
        const shown = page.asyncActions.filter(keep)
        if (flags.json) {
          if (shown.length > 0) yield* stdio.stdout.write(shown.map((action) => `${line(action)}\n`).join(""))
          return
        }
        if (shown.length === 0) {
          yield* note("No async actions.")
        } else {
          yield* Stdio.out([Render.tableHeader(style), ...shown.map(line)].join("\n"))
        }
        const more = page.hasMore ?? page.asyncActions.length >= (limit ?? 20)
        if (more) yield* note("More actions are available: use --all to list every page.")
      })
      yield* program.pipe(withRetryPolicy, withClient(flags))
    }).pipe(reported)
)

// ---------------------------------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------------------------------

/**
 * `watch <id>... [--timeout DURATION] [--interval DURATION] [--json]`
 *
 * @since 0.1.0
 * @category commands
 */
export const watch = Command.make(
  "watch",
  {
    ids: Args.text({ name: "id" }).pipe(Args.withSchema(Flags.id), Args.atLeast(1)),
    timeout: Options.text("timeout").pipe(
      Options.withPseudoName("DURATION"),
      Options.withSchema(Flags.duration("--timeout")),
      Options.optional
    ),
    interval: Options.text("interval").pipe(
      Options.withPseudoName("DURATION"),
      Options.withSchema(Flags.duration("--interval")),
      Options.optional
    ),
    json,
    ...connection
  },
  (flags) =>
    Effect.gen(function* () {
      const interval = Option.getOrUndefined(flags.interval)
      const result = yield* Watch.run(flags.ids, {
        json: flags.json,
        timeout: Option.getOrUndefined(flags.timeout),
        schedule: interval === undefined ? undefined : PollPolicy.fixed(interval)
      }).pipe(withRetryPolicy, withClient(flags))
      if (result.code !== ExitCode.Success) return yield* new ExitCode.Exit({ code: result.code })
    }).pipe(reported)
)

// ---------------------------------------------------------------------------------------------------
// The application
// ---------------------------------------------------------------------------------------------------

/**
 * A subcommand contributed by an entry file (for example `demo`, which needs the Node-only emulator),
 * with the data its help is rendered from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Extra {
  readonly spec: Spec.CommandSpec
  readonly command: Command.Command<
    // biome-ignore lint/suspicious/noExplicitAny: a command of any name (the name type is invariant)
    any,
    HttpClient.HttpClient | Stdio.Stdio | CliApp.CliApp.Environment,
    ExitCode.Exit,
    // biome-ignore lint/suspicious/noExplicitAny: whatever its parsed arguments are
    any
  >
}

const root = Command.make(name)

/**
 * The root command with `get`, `list`, `watch` and any extra subcommands.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (extra: ReadonlyArray<Extra> = []) =>
  Command.withSubcommands(root, [get, list, watch, ...extra.map((e) => e.command)])

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  readonly extra?: ReadonlyArray<Extra> | undefined
  /**
   * The rate limiter of every command (default {@link rateLimiterFromEnv}). The Node entry passes
   * `@voucherify-effect/rate-limit-redis`'s `layerConfig()`: with `VOUCHERIFY_RATE_LIMIT_REDIS_URL` too, one
   * budget shared by every process on that Redis and app id.
   */
  readonly rateLimiter?: Layer.Layer<RateLimit.VoucherifyRateLimiter, VoucherifyError.InvalidConfig> | undefined
}

const levels: Record<(typeof Spec.logLevels)[number], LogLevel.LogLevel> = {
  all: LogLevel.All,
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  fatal: LogLevel.Fatal,
  none: LogLevel.None
}

interface Globals {
  readonly rest: Array<string>
  readonly level: LogLevel.LogLevel | undefined
  readonly wizard: boolean
}

/**
 * Takes the options every command accepts (`--log-level`, `--wizard`) off the command line, wherever
 * they are (before `--`); fails with the one-line message for a bad value.
 *
 * @since 0.1.0
 * @category parsing
 */
export const globals = (
  args: ReadonlyArray<string>
): { readonly _tag: "Left"; readonly message: string } | ({ readonly _tag: "Right" } & Globals) => {
  const rest: Array<string> = []
  let level: LogLevel.LogLevel | undefined
  let wizard = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--") {
      rest.push(...args.slice(i))
      break
    }
    if (arg === "--wizard") {
      wizard = true
      continue
    }
    if (arg === "--log-level" || arg.startsWith("--log-level=")) {
      const value = arg === "--log-level" ? args[++i] : arg.slice("--log-level=".length)
      if (value === undefined)
        return { _tag: "Left", message: `--log-level needs a value (${Spec.logLevels.join(", ")})` }
      const found = levels[value.toLowerCase() as keyof typeof levels]
      if (found === undefined) {
        return {
          _tag: "Left",
          message: `Invalid --log-level: ${JSON.stringify(value.slice(0, 40))} is not a level (one of ${Spec.logLevels.join(", ")})`
        }
      }
      level = found
      continue
    }
    rest.push(arg)
  }
  return { _tag: "Right", rest, level, wizard }
}

const usageError = (message: string, command: string | undefined) =>
  Stdio.err(`${name}: ${oneLine(message)} (see '${name}${command === undefined ? "" : ` ${command}`} --help')`).pipe(
    Effect.as<ExitCode.ExitCode>(ExitCode.Usage)
  )

const validationMessage = (error: ValidationError.ValidationError): string => {
  const doc: HelpDoc.HelpDoc | undefined = "error" in error ? error.error : undefined
  return doc === undefined
    ? "invalid command line"
    : Stdio.stripAnsi(HelpDoc.toAnsiText(doc)).replace(/\s+/g, " ").trim()
}

/**
 * Parses `argv` (as `process.argv`: runtime and script first), runs the command and returns the exit
 * code. `--help` and `--version` print to stdout and give 0; a usage error is one line on stderr and
 * gives 2. Interruption is not caught: the entry file maps it to 130.
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
    const extra = options.extra ?? []
    const specs = [...Spec.commands, ...extra.map((e) => e.spec)]
    const args = argv.slice(2)
    const routed = Help.route(args, specs)
    if (routed._tag === "Version") return yield* Stdio.out(Spec.version).pipe(Effect.as<ExitCode.ExitCode>(0))
    if (routed._tag === "Help") return yield* stdio.stdout.write(routed.text).pipe(Effect.as<ExitCode.ExitCode>(0))
    const parsed = globals(args)
    const command = Help.positionals(args, specs)[0]
    if (parsed._tag === "Left") return yield* usageError(parsed.message, command)
    if (command === undefined) {
      return yield* stdio.stderr.write(Help.root(specs)).pipe(Effect.as<ExitCode.ExitCode>(ExitCode.Usage))
    }
    if (!specs.some((spec) => spec.name === command)) {
      return yield* usageError(
        `unknown command ${JSON.stringify(command.slice(0, 40))} (one of ${specs.map((spec) => spec.name).join(", ")})`,
        undefined
      )
    }
    if (parsed.wizard && stdio.interactive !== true) {
      return yield* usageError("--wizard needs an interactive terminal (stdin is not a terminal)", command)
    }
    const color = { out: yield* Stdio.useColor(stdio.stdout), err: yield* Stdio.useColor(stdio.stderr) }
    const console = yield* Console.consoleWith((base) => Effect.succeed(Stdio.makeConsole(stdio, base, color)))
    const cli = Command.run(make(extra), { name, version: Spec.version })
    const program = cli([...argv.slice(0, 2), ...parsed.rest, ...(parsed.wizard ? ["--wizard"] : [])]).pipe(
      Effect.as(ExitCode.Success as ExitCode.ExitCode),
      Effect.catchAll((error) => {
        if (error instanceof ExitCode.Exit) return Effect.succeed(error.code)
        if (ValidationError.isValidationError(error)) return usageError(validationMessage(error), command)
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
    const limited =
      options.rateLimiter === undefined
        ? program
        : Effect.provideService(program, RateLimiterLayer, options.rateLimiter)
    return yield* parsed.level === undefined ? limited : Logger.withMinimumLogLevel(limited, parsed.level)
  })
