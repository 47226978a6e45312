/**
 * The cursor that walks `GET /v1/async-actions` from newest to oldest without losing or repeating an
 * action, whichever way the server treats `end_date`.
 *
 * Several actions can share a `created_at` millisecond, and the API does not say whether `end_date` is
 * inclusive. So the next page asks for `end_date = oldest created_at + 1 ms`: that includes every action
 * of the boundary millisecond under both readings, and the ids already emitted at the boundary are
 * skipped. Once a page proves the server inclusive (it returned an action created exactly at `end_date`),
 * the cursor asks for `end_date = oldest created_at` instead, which overlaps one millisecond less.
 * An action created after the `end_date` asked for is never emitted: a server that ignores `end_date`
 * (a static mock, a caching proxy that drops the query) answers every page with the newest actions, and
 * those were emitted already or lie outside the caller's range. A page that brings nothing new while
 * the server says there is more would repeat forever: that ends with `PaginationStalled`, on the second
 * page of a server that ignores `end_date` (the third when that page also proved it inclusive), and
 * on a tie group at least as large as the page size.
 *
 * @since 0.1.0
 */
import type { AsyncAction, AsyncActionList } from "@voucherify-effect/core"
import { VoucherifyError } from "@voucherify-effect/core"
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as Option from "effect/Option"

/**
 * Where the walk is.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cursor {
  /** `end_date` of the next request (none: the newest page). */
  readonly endDate: Option.Option<DateTime.Utc>
  /** Ids already emitted whose `created_at` may appear again in the next page (the boundary ms and the one after). */
  readonly boundary: ReadonlyMap<string, number>
  readonly pages: number
  /** The caller's own `end_date`, which no later request may pass. */
  readonly ceiling: Option.Option<number>
  /** Whether a page has shown that `end_date` is inclusive. */
  readonly inclusive: boolean
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const start = (endDate: Option.Option<DateTime.Utc>): Cursor => ({
  endDate,
  boundary: new Map(),
  pages: 0,
  ceiling: Option.map(endDate, DateTime.toEpochMillis),
  inclusive: false
})

/**
 * What one page yields: the actions not seen before and the cursor of the next page, if there is one.
 *
 * @since 0.1.0
 * @category models
 */
export interface Step {
  readonly fresh: ReadonlyArray<AsyncAction.AsyncAction>
  readonly next: Option.Option<Cursor>
}

const stalled = (cursor: Cursor, pages: number) =>
  new VoucherifyError.PaginationStalled({
    endDate: Option.match(cursor.endDate, { onNone: () => "(none)", onSome: DateTime.formatIso }),
    pages
  })

/**
 * Advances the cursor past one page.
 *
 * @since 0.1.0
 * @category combinators
 */
export const advance = (
  cursor: Cursor,
  page: AsyncActionList.AsyncActionList,
  limit: number
): Either.Either<Step, VoucherifyError.PaginationStalled> => {
  const requested = Option.map(cursor.endDate, DateTime.toEpochMillis)
  // What the server should not have sent: newer than the `end_date` asked for. Under either reading of
  // `end_date` the next page asks for at most the boundary millisecond + 1, so this never drops an
  // action that belongs to the walk; it drops what a server ignoring `end_date` sends again.
  const received = page.asyncActions
  const actions = Option.isNone(requested)
    ? received
    : received.filter((action) => DateTime.toEpochMillis(action.createdAt) <= requested.value)
  const pages = cursor.pages + 1
  const fresh = actions.filter((action) => !cursor.boundary.has(action.id))
  const more = page.hasMore ?? received.length >= limit
  if (!more) return Either.right({ fresh, next: Option.none() })
  if (actions.length === 0) {
    // The server says there is more but sent nothing we asked for: only a server that ignores the
    // cursor does that (an empty page with `has_more` would be the same), and asking again cannot help.
    return received.length === 0 ? Either.right({ fresh, next: Option.none() }) : Either.left(stalled(cursor, pages))
  }
  let oldest = Number.POSITIVE_INFINITY
  let inclusive = cursor.inclusive
  for (const action of actions) {
    const at = DateTime.toEpochMillis(action.createdAt)
    oldest = Math.min(oldest, at)
    if (Option.isSome(requested) && at === requested.value) inclusive = true
  }
  if (fresh.length === 0 && inclusive === cursor.inclusive) return Either.left(stalled(cursor, pages))
  // Keep only what the next request can return again: the boundary millisecond and the one after it.
  const boundary = new Map<string, number>()
  for (const [id, at] of cursor.boundary) if (at <= oldest + 1) boundary.set(id, at)
  for (const action of actions) {
    const at = DateTime.toEpochMillis(action.createdAt)
    if (at <= oldest + 1) boundary.set(action.id, at)
  }
  const nextEnd = inclusive ? oldest : oldest + 1
  return Either.right({
    fresh,
    next: Option.some({
      endDate: Option.some(
        DateTime.unsafeMake(
          Math.min(
            nextEnd,
            Option.getOrElse(cursor.ceiling, () => nextEnd)
          )
        )
      ),
      boundary,
      pages,
      ceiling: cursor.ceiling,
      inclusive
    })
  })
}
