/**
 * The durable import: one `DurableAwait` whose start step posts N generated vouchers to
 * `/v1/vouchers/import`, run on the engine `--db` names, and the exit code of its outcome.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { AsyncAction, VoucherifyError } from "@voucherify-effect/core"
import { AsyncActions, PollPolicy, VoucherifyClient } from "@voucherify-effect/http"
import { DurableAwait, type DurableStoreError, StartAction } from "@voucherify-effect/workflow"
import * as PgEngine from "@voucherify-effect/workflow/PgEngine"
import * as SqliteEngine from "@voucherify-effect/workflow/SqliteEngine"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { Flags } from "./Flags.js"

/**
 * What the journal keeps of a run's request: how many vouchers, and the prefix of their codes.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ImportInput = Schema.Struct({ items: Schema.Int, codePrefix: Schema.String })

/**
 * The code prefix of a key: `DI-` and 8 hex digits of its FNV-1a hash, so two keys import different codes.
 *
 * @since 0.1.0
 * @category utils
 */
export const codePrefix = (key: string): string => {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0
  return `DI-${hash.toString(16).padStart(8, "0").toUpperCase()}`
}

/**
 * The vouchers of an import: 10 % discount codes `PREFIX-1` … `PREFIX-N`.
 *
 * @since 0.1.0
 * @category utils
 */
export const vouchers = (input: typeof ImportInput.Type) =>
  Array.from({ length: input.items }, (_, i) => ({
    code: `${input.codePrefix}-${i + 1}`,
    type: "DISCOUNT_VOUCHER",
    discount: { type: "PERCENT", percent_off: 10 }
  }))

/**
 * The exit codes of `voucherify-async`, plus the journal's.
 *
 * @since 0.1.0
 * @category models
 */
export type ExitCode = 0 | 1 | 2 | 3 | 4 | 5

/**
 * What one run prints and returns.
 *
 * @since 0.1.0
 * @category models
 */
export interface Outcome {
  readonly code: ExitCode
  /** One line of wire JSON: the final action (DONE or FAILED). */
  readonly stdout?: string | undefined
  readonly stderr?: string | undefined
}

const exitCodeOf = (error: VoucherifyError.VoucherifyError | DurableStoreError.DurableStoreError): ExitCode => {
  if (error._tag === "AsyncActionFailed") return 1
  if (error._tag === "WaitTimeout") return 5
  if (error._tag === "InvalidInput" || error._tag === "InvalidConfig") return 2
  // The journal cannot be reached: unavailable, like the API after its retries.
  if (error._tag === "DurableStoreError") return 4
  return VoucherifyError.isTransient(error) || error._tag === "InvalidResponse" || error._tag === "PaginationStalled"
    ? 4
    : 3
}

const wireLine = (action: AsyncAction.AsyncAction) => JSON.stringify(Schema.encodeSync(AsyncAction.AsyncAction)(action))

/**
 * Runs (or resumes, or replays) the import of `flags.key` and says what to print and how to exit.
 *
 * @since 0.1.0
 * @category programs
 */
export const run = (flags: Flags): Effect.Effect<Outcome, never, HttpClient.HttpClient> => {
  const durableImport = DurableAwait.make({
    name: "DurableImport",
    input: ImportInput,
    start: (input) => StartAction.post({ path: "/v1/vouchers/import", body: vouchers(input) }),
    schedule: Option.match(flags.pollInterval, { onNone: () => undefined, onSome: PollPolicy.fixed }),
    timeout: Option.getOrUndefined(flags.timeout)
  })
  const engine =
    flags.db._tag === "Sqlite"
      ? SqliteEngine.layer({ filename: flags.db.filename })
      : PgEngine.layer({ url: Redacted.make(flags.db.url) })
  const client = VoucherifyClient.layerConfig()
  const live = durableImport.layer.pipe(
    Layer.provideMerge(engine),
    Layer.provideMerge(AsyncActions.layer),
    Layer.provideMerge(client)
  )
  return durableImport.run({ key: flags.key, input: { items: flags.items, codePrefix: codePrefix(flags.key) } }).pipe(
    Effect.provide(live),
    Effect.either,
    Effect.map(
      Either.match({
        onRight: (action): Outcome => ({ code: 0, stdout: wireLine(action) }),
        onLeft: (error): Outcome => ({
          code: exitCodeOf(error),
          stdout: error._tag === "AsyncActionFailed" ? wireLine(error.action) : undefined,
          stderr: `durable-import: ${error.message}`
        })
      })
    )
  )
}
