/**
 * A durable await: a workflow that starts an async action at most once per idempotency key and then polls
 * it to its end, every step journaled by the `WorkflowEngine`. A process that dies in the middle loses
 * nothing: the next runner replays the journal (the start and the polls already done are not sent again)
 * and carries on polling.
 *
 * @since 0.1.0
 */
import type * as Workflow from "@effect/workflow/Workflow"
import type { WorkflowEngine } from "@effect/workflow/WorkflowEngine"
import type { AsyncAction, VoucherifyError } from "@voucherify-effect/core"
import type { AsyncActions, PollPolicy } from "@voucherify-effect/http"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as internal from "./internal/durableAwait.js"

/**
 * Every way a durable await can end other than with the finished action: the library's errors, all
 * `Schema.TaggedError`s, so the journal can store them and replay them.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Failure: Schema.Schema<VoucherifyError.VoucherifyError, FailureEncoded> = internal.Failure

/**
 * The journal's form of a {@link Failure}.
 *
 * @since 0.1.0
 * @category models
 */
export type FailureEncoded = Schema.Schema.Encoded<typeof internal.Failure>

/**
 * What a durable await is built from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<Input, InputEncoded, R> {
  /** The workflow's name: part of every execution id, so keep it stable across deploys. */
  readonly name: string
  /** The caller's input to the start step, stored in the journal (its encoded form must be JSON). */
  readonly input: Schema.Schema<Input, InputEncoded>
  /**
   * Starts the action and returns its id (`aa_…`). Runs once per key, as an activity: its answer, or its
   * failure, is the key's from then on. A start that fails is not tried again under the same key.
   */
  readonly start: (input: Input) => Effect.Effect<string, VoucherifyError.VoucherifyError, R>
  /** Delays between polls after the first, immediate one (default `PollPolicy.defaultSchedule`). */
  readonly schedule?: PollPolicy.PollSchedule | undefined
  /** Deadline counted from the start; without one the await lasts until the action finishes. */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * Polls in a row that may fail with a transient error (after the request's own retries) before the
   * await ends with that error (default 3). Permanent errors (401, 403, 404, …) end it at once.
   */
  readonly maxConsecutiveFailures?: number | undefined
}

/**
 * What one execution is asked to do: the idempotency key and the start step's input.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request<Input> {
  /** One execution per key: the same key again joins (or returns the outcome of) the first execution. */
  readonly key: string
  readonly input: Input
}

/**
 * A durable await, registered with a `WorkflowEngine` by its `layer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DurableAwait<Input, InputEncoded, R> {
  readonly name: string
  /** The underlying `@effect/workflow` workflow. */
  readonly workflow: Workflow.Workflow<
    string,
    Schema.Struct<{ key: typeof Schema.String; input: Schema.Schema<Input, InputEncoded> }>,
    Schema.Schema<AsyncAction.AsyncAction, AsyncAction.AsyncActionEncoded>,
    Schema.Schema<VoucherifyError.VoucherifyError, FailureEncoded>
  >
  /** Registers the workflow with the engine: this runner executes it (and resumes it after a crash). */
  readonly layer: Layer.Layer<never, never, WorkflowEngine | AsyncActions.AsyncActions | R>
  /**
   * Runs (or joins, or replays the outcome of) the execution for `key`: the finished action when it ends
   * DONE, `AsyncActionFailed` when it ends FAILED, `WaitTimeout` past the deadline, or the error that
   * stopped the start or the polls. A key that is empty fails with `InvalidInput` before anything runs.
   */
  readonly run: (
    request: Request<Input>
  ) => Effect.Effect<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError, WorkflowEngine>
  /** The execution id of a key (deterministic: a hash of the workflow name and the key). */
  readonly executionId: (key: string) => Effect.Effect<string>
  /** The outcome of a key's execution if it has ended, without running anything. */
  readonly outcome: (
    key: string
  ) => Effect.Effect<
    Option.Option<Exit.Exit<AsyncAction.AsyncAction, VoucherifyError.VoucherifyError>>,
    never,
    WorkflowEngine
  >
}

/**
 * Builds a durable await from a start step.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <Input, InputEncoded, R>(
  options: Options<Input, InputEncoded, R>
) => DurableAwait<Input, InputEncoded, R> = internal.make
