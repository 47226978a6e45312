/**
 * Fault injection for `/v1` requests: per-request probabilities plus an optional script consumed first.
 * Decisions come from a seeded PRNG, so a failing run replays exactly with the same seed and requests.
 *
 * @since 0.1.0
 */
import { Either, Schema } from "effect"
import * as Prng from "./internal/prng.js"

/**
 * Every fault kind, in the order probabilities are checked.
 *
 * @since 0.1.0
 * @category constants
 */
export const kinds = [
  "rate_limited",
  "server_error",
  "reset",
  "hang",
  "truncated",
  "malformed",
  "wrong_content_type",
  "drift"
] as const

/**
 * - `rate_limited`: 429 with `Retry-After` (the profile's `retryAfterSeconds`, default 1) and the official 429 body.
 * - `server_error`: 500/502/503/504 with a JSON `{code, message}` body.
 * - `reset`: the socket is destroyed after the headers or part of the body.
 * - `hang`: the request is accepted and never answered until the client closes.
 * - `truncated`: the body is cut mid-way and the connection closed.
 * - `malformed`: a complete 200 response whose body is not JSON.
 * - `wrong_content_type`: a 200 `text/html` page.
 * - `drift`: a valid response with unknown extra fields and one action of an unknown type.
 *
 * @since 0.1.0
 * @category models
 */
export type FaultKind = (typeof kinds)[number]

/**
 * A script entry: a fault kind, or `"none"` for a request served normally.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault = FaultKind | "none"

const Probability = Schema.Number.pipe(Schema.between(0, 1))

/**
 * The fault profile schema (JSON shape accepted by `PUT /_emulator/faults` and `--faults`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const FaultProfile = Schema.Struct({
  seed: Schema.optional(Schema.Int),
  rateLimited: Schema.optional(Probability),
  serverError: Schema.optional(Probability),
  reset: Schema.optional(Probability),
  hang: Schema.optional(Probability),
  truncated: Schema.optional(Probability),
  malformed: Schema.optional(Probability),
  wrongContentType: Schema.optional(Probability),
  drift: Schema.optional(Probability),
  /** `Retry-After` of an injected `rate_limited` answer, in seconds (default 1). */
  retryAfterSeconds: Schema.optional(Schema.Int.pipe(Schema.between(0, 3600))),
  script: Schema.optional(Schema.Array(Schema.Literal("none", ...kinds)))
}).annotations({ identifier: "FaultProfile" })

/**
 * Per-request probabilities (0..1) of each fault, a PRNG `seed` (default 1), and a `script` consumed in order
 * before the probabilities apply. When probabilities sum above 1, earlier kinds in {@link kinds} win.
 *
 * @since 0.1.0
 * @category models
 */
export type FaultProfile = typeof FaultProfile.Type

const decodeProfile = Schema.decodeUnknownEither(FaultProfile, { onExcessProperty: "error" })

/**
 * Validates a fault profile from untrusted JSON.
 *
 * @since 0.1.0
 * @category validation
 */
export const decode = (input: unknown): Either.Either<FaultProfile, string> =>
  Either.mapLeft(decodeProfile(input), (error) => error.message)

const probabilityKey: Record<FaultKind, keyof FaultProfile> = {
  rate_limited: "rateLimited",
  server_error: "serverError",
  reset: "reset",
  hang: "hang",
  truncated: "truncated",
  malformed: "malformed",
  wrong_content_type: "wrongContentType",
  drift: "drift"
}

/**
 * One decision: the kind and a number in [0, 1) that picks the fault's details (which 5xx, where to cut, …).
 *
 * @since 0.1.0
 * @category models
 */
export interface Decision {
  readonly kind: FaultKind
  readonly detail: number
}

/**
 * Decides, request after request, which fault (if any) to inject.
 *
 * @since 0.1.0
 * @category models
 */
export interface Injector {
  readonly profile: FaultProfile
  /** The next request's fault, or `undefined` to serve it normally. */
  readonly next: () => Decision | undefined
}

/**
 * Builds an injector; the same profile gives the same decision sequence.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeInjector = (profile: FaultProfile): Injector => {
  const prng = Prng.derive(profile.seed ?? 1, "faults")
  let scriptIndex = 0
  const next = (): Decision | undefined => {
    const script = profile.script ?? []
    if (scriptIndex < script.length) {
      const entry = script[scriptIndex++] as Fault
      return entry === "none" ? undefined : { kind: entry, detail: prng.next() }
    }
    const roll = prng.next()
    const detail = prng.next()
    let cumulative = 0
    for (const kind of kinds) {
      cumulative += (profile[probabilityKey[kind]] as number | undefined) ?? 0
      if (roll < cumulative) return { kind, detail }
    }
    return undefined
  }
  return { profile, next }
}

/**
 * A zeroed count per kind.
 *
 * @since 0.1.0
 * @category constructors
 */
export const emptyCounts = (): Record<FaultKind, number> =>
  Object.fromEntries(kinds.map((kind) => [kind, 0])) as Record<FaultKind, number>

/**
 * The 5xx status a `server_error` decision answers with.
 *
 * @since 0.1.0
 * @category utils
 */
export const serverErrorStatus = (detail: number): 500 | 502 | 503 | 504 =>
  ([500, 502, 503, 504] as const)[Math.min(3, Math.floor(detail * 4))] as 500 | 502 | 503 | 504
