/**
 * The emulator's in-memory store of async actions and their lifecycle. Runtime-neutral (no `node:*`):
 * status, progress and results are computed from each action's plan at a given time, and the time
 * comes from Effect's `Clock`, so tests under `TestClock` move actions along by adjusting the clock.
 *
 * @since 0.1.0
 */
import { AsyncActionType } from "@voucherify-effect/core"
import { Clock, Effect } from "effect"
import * as Prng from "./internal/prng.js"
import * as Results from "./internal/results.js"

/**
 * One of the 22 documented async action types.
 *
 * @since 0.1.0
 * @category models
 */
export type ActionType = AsyncActionType.KnownAsyncActionType

/**
 * How a finished action ends: `SUCCESS`; `FAILED` (status FAILED); `PARTIAL` (DONE with failed rows,
 * and `operation_status: "FAILED"` for bulk and metadata updates).
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = Results.Outcome

/**
 * The plan an action follows: ENQUEUED for `startAfterMillis`, then IN_PROGRESS for `durationMillis`
 * (progress rising linearly), then finished with `outcome`.
 *
 * @since 0.1.0
 * @category models
 */
export interface LifecyclePlan {
  readonly startAfterMillis: number
  readonly durationMillis: number
  readonly outcome: Outcome
}

/**
 * An action as stored.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredAction {
  readonly id: string
  readonly type: ActionType
  /** Epoch milliseconds. */
  readonly createdAt: number
  readonly requestId: string
  readonly plan: LifecyclePlan
  /** How many items (vouchers, rows, customers, …) the action processes. */
  readonly size: number
  /** Seeded history: always finished, whatever the clock says. */
  readonly historical: boolean
}

/**
 * The wire JSON of an action, exactly as the API sends it (snake_case, ISO dates with milliseconds).
 *
 * @since 0.1.0
 * @category models
 */
export interface ActionWire {
  readonly id: string
  readonly type: string
  readonly status: "ENQUEUED" | "IN_PROGRESS" | "DONE" | "FAILED"
  readonly operation_status?: "SUCCESS" | "FAILED" | "UNKNOWN"
  readonly result?: unknown
  readonly created_at: string
  readonly updated_at: string
  readonly request_id: string
  readonly processing_time?: number
  readonly progress: number
  readonly object: "async_action"
}

/**
 * The wire JSON of one list page.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListPageWire {
  readonly object: "list"
  readonly data_ref: "async_actions"
  readonly async_actions: ReadonlyArray<ActionWire>
  readonly has_more: boolean
}

/**
 * What `create` takes. Unset fields use the state's defaults; `createdAt` defaults to the `Clock`.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateOptions {
  readonly type: ActionType
  readonly durationMillis?: number | undefined
  readonly startAfterMillis?: number | undefined
  readonly outcome?: Outcome | undefined
  readonly createdAt?: number | undefined
  readonly size?: number | undefined
}

/**
 * A list query: `endDate` in epoch milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListQuery {
  readonly limit?: number | undefined
  readonly endDate?: number | undefined
}

/**
 * Options of the store.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** PRNG seed for ids and request ids (default 1). */
  readonly seedValue?: number | undefined
  /** `end_date` keeps `created_at <= end_date` instead of `<` (default false). */
  readonly endDateInclusive?: boolean | undefined
  /** Page size when `limit` is absent (default 10). */
  readonly defaultLimit?: number | undefined
  /** IN_PROGRESS time of a new action (default 2000 ms). */
  readonly defaultDurationMillis?: number | undefined
  /** ENQUEUED time of a new action (default 0 ms). */
  readonly defaultStartAfterMillis?: number | undefined
  /** How a new action ends when its creator does not say (default SUCCESS). */
  readonly defaultOutcome?: Outcome | undefined
}

/**
 * Options with defaults applied.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedOptions {
  readonly seedValue: number
  readonly endDateInclusive: boolean
  readonly defaultLimit: number
  readonly defaultDurationMillis: number
  readonly defaultStartAfterMillis: number
  readonly defaultOutcome: Outcome
}

/**
 * The store. `get` and `list` take the time explicitly; use {@link current} / {@link listCurrent} to read the `Clock`.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorState {
  readonly options: ResolvedOptions
  /** Number of stored actions. */
  readonly size: () => number
  /** Creates an action at the `Clock`'s time (or `createdAt`). */
  readonly create: (options: CreateOptions) => Effect.Effect<StoredAction>
  /** Creates an action at an explicit time. */
  readonly createAt: (options: CreateOptions, now: number) => StoredAction
  /** Adds ready-made actions (seeded history). */
  readonly insert: (actions: Iterable<StoredAction>) => void
  /** The stored action, if any. */
  readonly find: (id: string) => StoredAction | undefined
  /** The GET-by-id wire JSON at time `now` (with `result` once finished). */
  readonly get: (id: string, now: number) => ActionWire | undefined
  /** One list page at time `now`: newest first, ties by id descending, `end_date` filter applied. */
  readonly list: (query: ListQuery, now: number) => ListPageWire
  /** Every action, newest first. */
  readonly all: () => ReadonlyArray<StoredAction>
}

/**
 * A stable ordering: newest `created_at` first, then id descending.
 *
 * @since 0.1.0
 * @category utils
 */
export const order = (a: StoredAction, b: StoredAction): number =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/**
 * Status, progress and timing of an action at time `now`.
 *
 * @since 0.1.0
 * @category utils
 */
export const statusAt = (
  action: StoredAction,
  now: number
): {
  readonly status: ActionWire["status"]
  readonly progress: number
  readonly finished: boolean
  readonly finishedAt: number
} => {
  const { durationMillis, outcome, startAfterMillis } = action.plan
  const finishedAt = action.createdAt + startAfterMillis + durationMillis
  const elapsed = action.historical ? Number.POSITIVE_INFINITY : now - action.createdAt
  if (elapsed < startAfterMillis) return { status: "ENQUEUED", progress: 0, finished: false, finishedAt }
  if (elapsed < startAfterMillis + durationMillis) {
    const progress = Math.min(99, Math.max(0, Math.floor(((elapsed - startAfterMillis) * 100) / durationMillis)))
    return { status: "IN_PROGRESS", progress, finished: false, finishedAt }
  }
  return { status: outcome === "FAILED" ? "FAILED" : "DONE", progress: 100, finished: true, finishedAt }
}

const iso = (millis: number): string => new Date(millis).toISOString()

/**
 * The wire JSON of an action at time `now`. List items never carry `result`, and (like the upstream list
 * example) omit `operation_status` and `processing_time`; GET-by-id carries everything.
 *
 * @since 0.1.0
 * @category utils
 */
export const toWire = (action: StoredAction, now: number, view: "get" | "list"): ActionWire => {
  const { finished, finishedAt, progress, status } = statusAt(action, now)
  const operationStatus = (): ActionWire["operation_status"] | undefined => {
    if (!finished) return Results.hasOperationStatus(action.type) ? "UNKNOWN" : undefined
    if (action.plan.outcome === "SUCCESS") return "SUCCESS"
    if (action.plan.outcome === "FAILED") return "FAILED"
    return Results.hasOperationStatus(action.type) ? "FAILED" : "SUCCESS"
  }
  const updatedAt = finished
    ? finishedAt
    : status === "IN_PROGRESS"
      ? Math.max(action.createdAt, now)
      : action.createdAt
  const opStatus = view === "get" ? operationStatus() : undefined
  return {
    id: action.id,
    type: action.type,
    status,
    ...(opStatus === undefined ? {} : { operation_status: opStatus }),
    ...(view === "get" && finished
      ? {
          result: Results.resultFor({
            id: action.id,
            type: action.type,
            size: action.size,
            outcome: action.plan.outcome,
            finishedAt
          })
        }
      : {}),
    created_at: iso(action.createdAt),
    updated_at: iso(updatedAt),
    request_id: action.requestId,
    ...(view === "get" && finished ? { processing_time: finishedAt - action.createdAt } : {}),
    progress,
    object: "async_action"
  }
}

const nonNegativeInt = (value: number | undefined, fallback: number): number =>
  value === undefined || !Number.isFinite(value) ? fallback : Math.max(0, Math.floor(value))

/**
 * Builds an empty store.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): EmulatorState => {
  const resolved: ResolvedOptions = {
    seedValue: options.seedValue ?? 1,
    endDateInclusive: options.endDateInclusive ?? false,
    defaultLimit: options.defaultLimit ?? 10,
    defaultDurationMillis: options.defaultDurationMillis ?? 2000,
    defaultStartAfterMillis: options.defaultStartAfterMillis ?? 0,
    defaultOutcome: options.defaultOutcome ?? "SUCCESS"
  }
  const prng = Prng.derive(resolved.seedValue, "state")
  const byId = new Map<string, StoredAction>()
  let sorted: Array<StoredAction> = []
  let dirty = false

  const ordered = (): Array<StoredAction> => {
    if (dirty) {
      sorted = Array.from(byId.values()).sort(order)
      dirty = false
    }
    return sorted
  }

  const freshId = (): string => {
    for (;;) {
      const id = `aa_${prng.hex(18)}`
      if (!byId.has(id)) return id
    }
  }

  const createAt = (input: CreateOptions, now: number): StoredAction => {
    if (!AsyncActionType.isKnown(input.type)) throw new Error(`Unknown async action type: ${String(input.type)}`)
    const action: StoredAction = {
      id: freshId(),
      type: input.type,
      createdAt: input.createdAt ?? now,
      requestId: `v-${prng.hex(18)}`,
      plan: {
        startAfterMillis: nonNegativeInt(input.startAfterMillis, resolved.defaultStartAfterMillis),
        durationMillis: nonNegativeInt(input.durationMillis, resolved.defaultDurationMillis),
        outcome: input.outcome ?? resolved.defaultOutcome
      },
      size: nonNegativeInt(input.size, 3),
      historical: false
    }
    byId.set(action.id, action)
    dirty = true
    return action
  }

  const list = (query: ListQuery, now: number): ListPageWire => {
    const limit = query.limit ?? resolved.defaultLimit
    const endDate = query.endDate
    const all = ordered()
    // `all` is sorted newest first: skip everything at or after the boundary.
    let start = 0
    if (endDate !== undefined) {
      const keep = resolved.endDateInclusive
        ? (a: StoredAction) => a.createdAt <= endDate
        : (a: StoredAction) => a.createdAt < endDate
      let lo = 0
      let hi = all.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (keep(all[mid] as StoredAction)) hi = mid
        else lo = mid + 1
      }
      start = lo
    }
    const page = all.slice(start, start + limit)
    return {
      object: "list",
      data_ref: "async_actions",
      async_actions: page.map((action) => toWire(action, now, "list")),
      has_more: start + limit < all.length
    }
  }

  return {
    options: resolved,
    size: () => byId.size,
    create: (input) => Effect.map(Clock.currentTimeMillis, (now) => createAt(input, now)),
    createAt,
    insert: (actions) => {
      for (const action of actions) byId.set(action.id, action)
      dirty = true
    },
    find: (id) => byId.get(id),
    get: (id, now) => {
      const action = byId.get(id)
      return action === undefined ? undefined : toWire(action, now, "get")
    },
    list,
    all: () => ordered().slice()
  }
}

/**
 * GET-by-id wire JSON at the `Clock`'s current time.
 *
 * @since 0.1.0
 * @category accessors
 */
export const current = (state: EmulatorState, id: string): Effect.Effect<ActionWire | undefined> =>
  Effect.map(Clock.currentTimeMillis, (now) => state.get(id, now))

/**
 * A list page at the `Clock`'s current time.
 *
 * @since 0.1.0
 * @category accessors
 */
export const listCurrent = (state: EmulatorState, query: ListQuery = {}): Effect.Effect<ListPageWire> =>
  Effect.map(Clock.currentTimeMillis, (now) => state.list(query, now))
