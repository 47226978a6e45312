/**
 * Where durable awaits run: the `WorkflowEngine` and its journal. In memory for tests; on a SQLite file for
 * a single node; on PostgreSQL for several runners that share the work and take over from each other.
 *
 * @since 0.1.0
 */
import * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import type * as Layer from "effect/Layer"

/**
 * An engine that keeps its journal in memory: for tests of code built on durable awaits. Nothing survives
 * the process.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<WorkflowEngine.WorkflowEngine> = WorkflowEngine.layerMemory
