/**
 * The engine for one node: the journal in a SQLite file (through `@effect/sql-libsql`, whose native binary
 * ships as an npm package: nothing to compile). Kill the process, start it again on the same file, and
 * every unfinished durable await carries on from its last journaled step.
 *
 * Not in the package's barrel (it needs the optional peer `@effect/sql-libsql`): import
 * `@voucherify-effect/workflow/SqliteEngine`.
 *
 * @since 0.1.0
 */
import * as Path from "node:path"
import * as Url from "node:url"
import { LibsqlClient } from "@effect/sql-libsql"
import type { WorkflowEngine } from "@effect/workflow/WorkflowEngine"
import * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import { DurableStoreError } from "./DurableStoreError.js"
import * as Engine from "./internal/engine.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The SQLite file (created when missing; its directory must exist). */
  readonly filename: string
  /** How often work left by a previous process is looked for (default 1 s). */
  readonly pollInterval?: Duration.DurationInput | undefined
}

/**
 * A single-node engine on a SQLite file. Fails with `DurableStoreError` when the file cannot be opened.
 * One process at a time per file.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<WorkflowEngine, DurableStoreError> => {
  const location = Path.resolve(options.filename)
  // Snowflake ids are 64-bit integers: read them exactly.
  const client = LibsqlClient.layer({ url: Url.pathToFileURL(location), intMode: "bigint" }).pipe(
    // The driver opens the file when the client is made and throws when it cannot.
    Layer.catchAllCause((cause) =>
      Layer.fail(new DurableStoreError({ store: "sqlite", location, reason: Engine.describe(Cause.squash(cause)) }))
    )
  )
  return Engine.cluster({ runnerStorage: "memory", pollInterval: options.pollInterval }).pipe(
    Layer.provide(Layer.provideMerge(Engine.probe("sqlite", location), client))
  )
}
