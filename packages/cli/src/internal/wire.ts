/**
 * The wire JSON of an action, written by hand for `--json` output: the same keys, in the same order, as
 * `Schema.encodeSync(AsyncAction)` (a property test checks it), at a fraction of the cost. Encoding
 * through the Schema was the largest item in the profile of `list --all --json` over 10 000 actions.
 */
import { type AsyncAction, AsyncActionResult } from "@voucherify-effect/core"
import * as DateTime from "effect/DateTime"

const iso = (date: DateTime.Utc): string => new Date(DateTime.toEpochMillis(date)).toISOString()

/** The wire object (snake_case) of an action. @internal */
export const toWire = (action: AsyncAction.AsyncAction): Record<string, unknown> => {
  const wire: Record<string, unknown> = { id: action.id, type: action.type, status: action.status }
  if (action.operationStatus !== undefined) wire.operation_status = action.operationStatus
  wire.created_at = iso(action.createdAt)
  if (action.updatedAt !== undefined) wire.updated_at = iso(action.updatedAt)
  if (action.requestId !== undefined) wire.request_id = action.requestId
  if (action.processingTime !== undefined) wire.processing_time = action.processingTime
  if (action.progress !== undefined) wire.progress = action.progress
  if (action.object !== undefined) wire.object = action.object
  if (action.result !== undefined) wire.result = AsyncActionResult.encode(action.result)
  return wire
}

/** One NDJSON line (without the newline). @internal */
export const jsonLine = (action: AsyncAction.AsyncAction): string => JSON.stringify(toWire(action))
