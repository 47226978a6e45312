/**
 * Deterministic history: finished actions of all 22 types spanning months, with groups of 2..6 actions
 * sharing one `created_at` millisecond (the ties that make `end_date` pagination interesting).
 *
 * @since 0.1.0
 */
import { AsyncActionType } from "@voucherify-effect/core"
import type { Outcome, StoredAction } from "./EmulatorState.js"
import * as Prng from "./internal/prng.js"

/**
 * Options of {@link seed}.
 *
 * @since 0.1.0
 * @category models
 */
export interface SeedOptions {
  /** How many actions to generate. */
  readonly count: number
  /** PRNG seed (default 1): the same seed gives the same actions. */
  readonly seed?: number | undefined
  /** `created_at` of the newest action, epoch ms (default 2025-06-30T12:00:00.000Z). */
  readonly endAt?: number | undefined
  /** Time the history spans, ms (default 180 days). */
  readonly spanMillis?: number | undefined
}

/**
 * The default `created_at` of the newest seeded action.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultEndAt: number = Date.UTC(2025, 5, 30, 12, 0, 0, 0)

const DAY = 24 * 60 * 60 * 1000

/**
 * Generates `count` historical actions, newest first. Every type appears when `count >= 22`; outcomes are
 * about 80% SUCCESS, 12% PARTIAL and 8% FAILED; about one action in six belongs to a tie group of 2..6.
 *
 * @since 0.1.0
 * @category constructors
 */
export const seed = (options: SeedOptions): ReadonlyArray<StoredAction> => {
  const count = Math.max(0, Math.floor(options.count))
  const prng = Prng.derive(options.seed ?? 1, "seed")
  const endAt = options.endAt ?? defaultEndAt
  const span = options.spanMillis ?? 180 * DAY
  const meanGap = count > 1 ? span / count : 0
  const types = AsyncActionType.knownTypes
  const ids = new Set<string>()
  const out: Array<StoredAction> = []
  let at = endAt
  while (out.length < count) {
    const groupSize = prng.chance(0.06) ? prng.int(2, 6) : 1
    for (let i = 0; i < groupSize && out.length < count; i++) {
      let id = `aa_${prng.hex(18)}`
      while (ids.has(id)) id = `aa_${prng.hex(18)}`
      ids.add(id)
      // The first 22 actions cover every type once; after that types are random.
      const type =
        out.length < types.length ? (types[out.length] as AsyncActionType.KnownAsyncActionType) : prng.pick(types)
      const roll = prng.next()
      const outcome: Outcome = roll < 0.8 ? "SUCCESS" : roll < 0.92 ? "PARTIAL" : "FAILED"
      out.push({
        id,
        type,
        createdAt: at,
        requestId: `${type.endsWith("METADATA_KEY_PURGE") ? "w" : "v"}-${prng.hex(18)}`,
        plan: { startAfterMillis: prng.int(0, 50), durationMillis: prng.int(80, 1500), outcome },
        size: prng.int(1, 40),
        historical: true
      })
    }
    at -= Math.max(1, Math.round(prng.next() * 2 * meanGap))
  }
  return out
}
