// The cluster engine on a SQL client: `SingleRunner`'s composition (sharding, SQL message storage, no
// runner-to-runner RPC: messages for another runner go through the database) with the settings that decide
// how fast a runner's death is noticed and its work taken over.
import * as ClusterWorkflowEngine from "@effect/cluster/ClusterWorkflowEngine"
import type * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as RunnerHealth from "@effect/cluster/RunnerHealth"
import * as RunnerStorage from "@effect/cluster/RunnerStorage"
import * as Runners from "@effect/cluster/Runners"
import * as Sharding from "@effect/cluster/Sharding"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as SqlMessageStorage from "@effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "@effect/cluster/SqlRunnerStorage"
import * as SqlClient from "@effect/sql/SqlClient"
import type { WorkflowEngine } from "@effect/workflow/WorkflowEngine"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { DurableStoreError } from "../DurableStoreError.js"

export interface ClusterOptions {
  readonly runnerStorage: "memory" | "sql"
  readonly runnerAddress?: RunnerAddress.RunnerAddress | undefined
  readonly lockExpiration?: Duration.DurationInput | undefined
  readonly pollInterval?: Duration.DurationInput | undefined
}

export const describe = (cause: unknown): string => {
  const seen = new Set<unknown>()
  const parts: Array<string> = []
  let current: unknown = cause
  while (current instanceof Error && !seen.has(current) && parts.length < 3) {
    seen.add(current)
    if (current.message !== "") parts.push(current.message)
    current = current.cause
  }
  return (parts.join(": ") || String(cause)).slice(0, 300)
}

/** Fails with `DurableStoreError` when the database does not answer a `SELECT 1`. */
export const probe = (store: "sqlite" | "postgres", location: string) =>
  Layer.effectDiscard(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 1`).pipe(
      Effect.mapError((error) => new DurableStoreError({ store, location, reason: describe(error) }))
    )
  )

// Runners started together on a fresh database run the storage migrations at the same time, and
// PostgreSQL's `CREATE TABLE IF NOT EXISTS` can then fail in one of them ("duplicate key value violates
// unique constraint pg_type_typname_nsp_index"; the message storage reports it as a defect): seen when two
// workers started at once, one of them died. The loser builds its storage again (fresh, not the memoised
// failure) after a short jittered pause, up to 5 times, and finds the tables made.
const retryStartup = <A, E, R>(layer: Layer.Layer<A, E, R>, attempt = 1): Layer.Layer<A, E, R> =>
  Layer.catchAllCause(Layer.fresh(layer), (cause) =>
    attempt >= 5
      ? Layer.failCause(cause)
      : Layer.unwrapEffect(
          Effect.as(Effect.sleep(Duration.millis(50 + Math.random() * 200 * attempt)), retryStartup(layer, attempt + 1))
        )
  )

export const cluster = (options: ClusterOptions): Layer.Layer<WorkflowEngine, never, SqlClient.SqlClient> => {
  const lockExpiration = Duration.decode(options.lockExpiration ?? "10 seconds")
  const pollInterval = Duration.decode(options.pollInterval ?? "1 second")
  // SingleRunner.layer's composition, with a ShardingConfig built from these options only (its own reads
  // HOST, PORT and the like from the environment, which belong to the application).
  const config = ShardingConfig.layer({
    ...(options.runnerAddress === undefined ? {} : { runnerAddress: Option.some(options.runnerAddress) }),
    // A runner that stops refreshing its locks for this long is gone: the others take its shards.
    shardLockExpiration: lockExpiration,
    shardLockRefreshInterval: Duration.millis(Math.max(500, Duration.toMillis(lockExpiration) / 4)),
    refreshAssignmentsInterval: pollInterval,
    // Work sent through the database (by a caller on another runner) is picked up this often.
    entityMessagePollInterval: pollInterval
  })
  const sharding = Sharding.layer.pipe(
    Layer.provideMerge(Runners.layerNoop),
    Layer.provideMerge(retryStartup(SqlMessageStorage.layer)),
    Layer.provide([
      options.runnerStorage === "memory"
        ? RunnerStorage.layerMemory
        : Layer.orDie(retryStartup(SqlRunnerStorage.layer)),
      RunnerHealth.layerNoop
    ]),
    Layer.provide(config)
  )
  return ClusterWorkflowEngine.layer.pipe(Layer.provide(sharding))
}
