// Shared setup of the server and in-memory emulators: option checks, credentials, state and router.
import { Config, Effect, Either, Option, Redacted } from "effect"
import * as EmulatorState from "../EmulatorState.js"
import * as Faults from "../Faults.js"
import * as Seed from "../Seed.js"
import * as Router from "./router.js"

/** Options shared by the socket server and the in-memory emulator. */
export interface CommonOptions {
  /** How many historical actions to seed (default 0). */
  readonly seed?: number | undefined
  /** PRNG seed for seeded data and ids (default 1). */
  readonly seedValue?: number | undefined
  readonly appId?: string | undefined
  readonly secretKey?: string | Redacted.Redacted<string> | undefined
  /** Tokens accepted as `Authorization: Bearer <token>`. */
  readonly accessTokens?: ReadonlyArray<string> | undefined
  /**
   * Requests per fixed one-minute window (default 2 000, the API's larger plan). `X-Rate-Limit-Limit` and
   * `X-Rate-Limit-Remaining` are sent on every response, as the API does.
   */
  readonly rateLimitPerMinute?: number | undefined
  /**
   * Whether the limit is enforced with 429s (default true). `false` keeps the headers (the remaining count
   * never drops below 1, so no client pauses) and never refuses a request: for benchmarks.
   */
  readonly enforceRateLimit?: boolean | undefined
  /**
   * Length of the rate-limit window in ms (default 60 000, the API's minute). Tests shorten it, together with
   * the client limiter's `window`, to cover many windows quickly.
   */
  readonly rateLimitWindowMillis?: number | undefined
  /** `end_date` keeps `created_at <= end_date` instead of `<` (default false). */
  readonly endDateInclusive?: boolean | undefined
  /** Page size when `limit` is absent (default 10). */
  readonly defaultLimit?: number | undefined
  readonly faults?: Faults.FaultProfile | undefined
  /** IN_PROGRESS time of actions started through the API (default 2000 ms). */
  readonly defaultDurationMillis?: number | undefined
  /** ENQUEUED time of actions started through the API (default 0 ms). */
  readonly defaultStartAfterMillis?: number | undefined
  /** How actions started through the API end: SUCCESS (default), FAILED or PARTIAL. */
  readonly defaultOutcome?: EmulatorState.Outcome | undefined
}

/** The API's larger plan: 2 000 requests per minute. */
export const defaultRateLimitPerMinute = 2000

export type CredentialSource = "options" | "env" | "generated"

export interface Setup {
  readonly state: EmulatorState.EmulatorState
  readonly router: Router.Router
  readonly appId: string
  readonly secretKey: Redacted.Redacted<string>
  readonly appIdSource: CredentialSource
  readonly secretKeySource: CredentialSource
}

const randomHex = (bytes: number): string => {
  const buffer = new Uint8Array(bytes)
  globalThis.crypto.getRandomValues(buffer)
  return Array.from(buffer, (b) => b.toString(16).padStart(2, "0")).join("")
}

const isNonNegativeInt = (n: number) => Number.isInteger(n) && n >= 0

/** Returns a reason when the options are unusable. */
export const validate = (options: CommonOptions): string | undefined => {
  if (options.seed !== undefined && !isNonNegativeInt(options.seed)) return "seed must be a non-negative integer"
  if (options.seedValue !== undefined && !Number.isInteger(options.seedValue)) return "seedValue must be an integer"
  if (
    options.rateLimitPerMinute !== undefined &&
    !(Number.isInteger(options.rateLimitPerMinute) && options.rateLimitPerMinute > 0)
  ) {
    return "rateLimitPerMinute must be a positive integer"
  }
  if (
    options.rateLimitWindowMillis !== undefined &&
    !(Number.isInteger(options.rateLimitWindowMillis) && options.rateLimitWindowMillis > 0)
  ) {
    return "rateLimitWindowMillis must be a positive integer"
  }
  if (
    options.defaultLimit !== undefined &&
    !(Number.isInteger(options.defaultLimit) && options.defaultLimit >= 1 && options.defaultLimit <= 100)
  ) {
    return "defaultLimit must be an integer between 1 and 100"
  }
  for (const key of ["defaultDurationMillis", "defaultStartAfterMillis"] as const) {
    const value = options[key]
    if (value !== undefined && !isNonNegativeInt(value)) return `${key} must be a non-negative integer`
  }
  if (options.defaultOutcome !== undefined && !["SUCCESS", "FAILED", "PARTIAL"].includes(options.defaultOutcome)) {
    return "defaultOutcome must be SUCCESS, FAILED or PARTIAL"
  }
  if (options.appId !== undefined && options.appId.trim() === "") return "appId must not be empty"
  if (options.faults !== undefined) {
    const decoded = Faults.decode(options.faults)
    if (Either.isLeft(decoded)) return `faults: ${decoded.left}`
  }
  return undefined
}

export const make = (options: CommonOptions): Effect.Effect<Setup> =>
  Effect.gen(function* () {
    const envAppId = yield* Config.option(Config.nonEmptyString("VOUCHERIFY_APP_ID")).pipe(
      Effect.orElseSucceed(() => Option.none<string>())
    )
    const envSecret = yield* Config.option(Config.redacted(Config.nonEmptyString("VOUCHERIFY_SECRET_KEY"))).pipe(
      Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())
    )
    const [appId, appIdSource]: [string, CredentialSource] =
      options.appId !== undefined
        ? [options.appId, "options"]
        : Option.isSome(envAppId)
          ? [envAppId.value, "env"]
          : [`emu-${randomHex(8)}`, "generated"]
    const [secretKey, secretKeySource]: [Redacted.Redacted<string>, CredentialSource] =
      options.secretKey !== undefined
        ? [Redacted.isRedacted(options.secretKey) ? options.secretKey : Redacted.make(options.secretKey), "options"]
        : Option.isSome(envSecret)
          ? [envSecret.value, "env"]
          : [Redacted.make(randomHex(20)), "generated"]
    const state = EmulatorState.make({
      seedValue: options.seedValue,
      endDateInclusive: options.endDateInclusive,
      defaultLimit: options.defaultLimit,
      defaultDurationMillis: options.defaultDurationMillis,
      defaultStartAfterMillis: options.defaultStartAfterMillis,
      defaultOutcome: options.defaultOutcome
    })
    if (options.seed !== undefined && options.seed > 0) {
      state.insert(Seed.seed({ count: options.seed, seed: options.seedValue }))
    }
    const router = Router.make({
      state,
      credentials: { appId, secretKey: Redacted.value(secretKey), accessTokens: options.accessTokens ?? [] },
      rateLimitPerMinute: options.rateLimitPerMinute ?? defaultRateLimitPerMinute,
      enforceRateLimit: options.enforceRateLimit ?? true,
      rateLimitWindowMillis: options.rateLimitWindowMillis,
      faults: options.faults
    })
    return { state, router, appId, secretKey, appIdSource, secretKeySource }
  })
