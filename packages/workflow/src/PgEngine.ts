/**
 * The engine for several nodes: the journal and the runners' shard locks in PostgreSQL (through
 * `@effect/sql-pg`). Every runner on the same database shares the work: an execution runs on one runner
 * at a time, a caller on any runner gets its outcome, and when a runner dies (stops refreshing its locks
 * for `lockExpiration`) another takes its executions over from their last journaled step.
 *
 * Not in the package's barrel (it needs the optional peer `@effect/sql-pg`): import
 * `@voucherify-effect/workflow/PgEngine`.
 *
 * @since 0.1.0
 */
import * as Os from "node:os"
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import { PgClient } from "@effect/sql-pg"
import type { WorkflowEngine } from "@effect/workflow/WorkflowEngine"
import type * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { DurableStoreError } from "./DurableStoreError.js"
import * as Engine from "./internal/engine.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `postgres://user:password@host:port/database` */
  readonly url: Redacted.Redacted<string>
  /** This runner's identity among the others (default: the host name and the process id). */
  readonly runner?: { readonly host: string; readonly port: number } | undefined
  /** A runner silent for this long is taken to be dead and its work is moved (default 10 s). */
  readonly lockExpiration?: Duration.DurationInput | undefined
  /** How often work sent through the database and changes among runners are looked for (default 1 s). */
  readonly pollInterval?: Duration.DurationInput | undefined
  /** How long to wait for the first connection (default 5 s). */
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/** The URL without its password, for messages. */
const locationOf = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "(an unparsable URL)"
  }
}

/**
 * A runner of a multi-node engine on PostgreSQL. Fails with `DurableStoreError` when the database cannot
 * be reached.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<WorkflowEngine, DurableStoreError> => {
  const location = locationOf(Redacted.value(options.url))
  const client = PgClient.layer({ url: options.url, connectTimeout: options.connectTimeout ?? "5 seconds" }).pipe(
    Layer.catchAll((error) =>
      Layer.fail(
        new DurableStoreError({
          store: "postgres",
          location,
          reason: Engine.describe(error)
        })
      )
    )
  )
  const runner = options.runner ?? { host: Os.hostname(), port: process.pid }
  return Engine.cluster({
    runnerStorage: "sql",
    runnerAddress: RunnerAddress.make(runner.host, runner.port),
    lockExpiration: options.lockExpiration,
    pollInterval: options.pollInterval
  }).pipe(Layer.provide(Layer.provideMerge(Engine.probe("postgres", location), client)))
}
