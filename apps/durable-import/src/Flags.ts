/**
 * The command line, decoded before anything runs: every flag is checked and a bad one is named.
 *
 * @since 0.1.0
 */
import { parseArgs } from "node:util"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"

/**
 * @since 0.1.0
 * @category models
 */
export interface Flags {
  readonly key: string
  /** A SQLite file, or a `postgres://` URL for a runner among several. */
  readonly db:
    | { readonly _tag: "Sqlite"; readonly filename: string }
    | { readonly _tag: "Postgres"; readonly url: string }
  readonly items: number
  readonly timeout: Option.Option<Duration.Duration>
  readonly pollInterval: Option.Option<Duration.Duration>
}

/**
 * @since 0.1.0
 * @category constants
 */
export const usage = `Usage: durable-import --key KEY --db FILE|postgres://URL [--items N] [--timeout DURATION]
                      [--poll-interval DURATION]

Starts POST /v1/vouchers/import with N generated vouchers (default 20) at most once per KEY and awaits
it durably in the journal at --db; prints the final action as one line of wire JSON. Run it again with
the same KEY and --db after a crash to resume, or after it finished to print the same outcome.
Configured by VOUCHERIFY_API_URL / VOUCHERIFY_CLUSTER, VOUCHERIFY_APP_ID, VOUCHERIFY_SECRET_KEY (or
VOUCHERIFY_ACCESS_TOKEN). Exit codes: 0 DONE, 1 FAILED, 2 bad input, 3 API refused, 4 unavailable, 5 timeout.`

const duration = (name: string, text: string | undefined): Either.Either<Option.Option<Duration.Duration>, string> => {
  if (text === undefined) return Either.right(Option.none())
  const input = /^\d+$/.test(text) ? Number(text) : (text as Duration.DurationInput)
  const decoded = Duration.decodeUnknown(input)
  return Option.isSome(decoded) && Duration.isFinite(decoded.value) && Duration.toMillis(decoded.value) > 0
    ? Either.right(decoded)
    : Either.left(
        `--${name} must be a positive duration such as "30 seconds" or milliseconds, got ${JSON.stringify(text)}`
      )
}

/**
 * Decodes the arguments (without `node` and the script), or says what is wrong.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (args: ReadonlyArray<string>): Either.Either<Flags | "help", string> => {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        key: { type: "string" },
        db: { type: "string" },
        items: { type: "string" },
        timeout: { type: "string" },
        "poll-interval": { type: "string" },
        help: { type: "boolean", short: "h" }
      }
    }).values
  } catch (error) {
    return Either.left(error instanceof Error ? error.message : String(error))
  }
  if (values.help === true) return Either.right("help")
  const key = values.key
  if (typeof key !== "string" || key.trim() === "" || key.length > 200) {
    return Either.left("--key is required: a non-empty string of at most 200 characters")
  }
  const db = values.db
  if (typeof db !== "string" || db.trim() === "") {
    return Either.left("--db is required: a SQLite file, or a postgres:// URL")
  }
  const itemsText = values.items
  const items = itemsText === undefined ? 20 : /^\d+$/.test(itemsText as string) ? Number(itemsText) : Number.NaN
  if (!Number.isInteger(items) || items < 1 || items > 10_000) {
    return Either.left(`--items must be an integer between 1 and 10000, got ${JSON.stringify(itemsText)}`)
  }
  return Either.gen(function* () {
    const timeout = yield* duration("timeout", values.timeout as string | undefined)
    const pollInterval = yield* duration("poll-interval", values["poll-interval"] as string | undefined)
    return {
      key,
      db: /^postgres(ql)?:\/\//.test(db)
        ? { _tag: "Postgres" as const, url: db }
        : { _tag: "Sqlite" as const, filename: db },
      items,
      timeout,
      pollInterval
    }
  })
}
