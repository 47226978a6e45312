/**
 * Client configuration: where the API is, how to authenticate, and per-request limits.
 * Secrets are `Redacted` from the moment they are read; nothing here renders them.
 *
 * @since 0.1.0
 */
import { ResponseLimit, VoucherifyError } from "@voucherify-effect/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

/**
 * The documented regional clusters (`https://{cluster}.voucherify.io`).
 *
 * @since 0.1.0
 * @category models
 */
export type Cluster = "api" | "us1.api" | "as1.api"

/**
 * @since 0.1.0
 * @category constants
 */
export const clusters: ReadonlyArray<Cluster> = ["api", "us1.api", "as1.api"]

/**
 * How requests authenticate: the server-side key pair, or an OAuth bearer token.
 *
 * @since 0.1.0
 * @category models
 */
export type Auth =
  | { readonly _tag: "KeyPair"; readonly appId: string; readonly secretKey: Redacted.Redacted<string> }
  | { readonly _tag: "Bearer"; readonly token: Redacted.Redacted<string> }

/**
 * What a caller passes to configure the client. Either `apiUrl` or `cluster` (default `api`, Europe).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly apiUrl?: string | undefined
  readonly cluster?: string | undefined
  readonly appId?: string | undefined
  readonly secretKey?: Redacted.Redacted<string> | undefined
  readonly accessToken?: Redacted.Redacted<string> | undefined
  /** Sent as `X-Voucherify-API-Version` (for example `v2018-08-01`). */
  readonly apiVersion?: string | undefined
  /**
   * Per-request timeout; default 30 seconds (the API's load balancer gives up at 3 minutes). Enforced by
   * aborting the request's `AbortSignal`, which every `@effect/platform` client honours.
   */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /** Appended to the `X-Voucherify-Channel` and `User-Agent` values, e.g. your application's name. */
  readonly channel?: string | undefined
  /**
   * The largest response body accepted, in bytes after any content decoding (default 4 MiB, at most
   * 256 MiB). A larger body is not read further and fails with `InvalidResponse` (reason `TooLarge`).
   */
  readonly maxResponseBytes?: number | undefined
}

/**
 * A validated configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface VoucherifyConfig {
  /** Origin and optional base path, without a trailing slash, e.g. `https://api.voucherify.io`. */
  readonly baseUrl: string
  readonly auth: Auth
  readonly apiVersion: Option.Option<string>
  readonly requestTimeout: Duration.Duration
  readonly channel: Option.Option<string>
  readonly maxResponseBytes: number
}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultRequestTimeout: Duration.Duration = Duration.seconds(30)

const invalid = (field: string, reason: string) => Either.left(new VoucherifyError.InvalidConfig({ field, reason }))

const loopbackHosts = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/**
 * Whether a URL host is loopback (`localhost`, 127.0.0.0/8, `::1`): the only hosts plain http may reach.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isLoopbackHost = (hostname: string): boolean => loopbackHosts.test(hostname)

/**
 * Validates a base URL: https, or http to a loopback host; no credentials, query or fragment.
 *
 * @since 0.1.0
 * @category validation
 */
export const validateApiUrl = (
  input: string,
  field = "apiUrl"
): Either.Either<string, VoucherifyError.InvalidConfig> => {
  if (input.length > 2048) return invalid(field, "is longer than 2048 characters")
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return invalid(field, "is not an absolute URL (expected e.g. https://api.voucherify.io)")
  }
  if (url.username !== "" || url.password !== "") return invalid(field, "must not contain credentials")
  if (url.search !== "" || url.hash !== "") return invalid(field, "must not contain a query or fragment")
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    // The host is not echoed: a secret put in the wrong variable must not reach a message.
    return invalid(field, "must use https (plain http is only allowed to loopback hosts)")
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return invalid(field, "must be an https URL")
  return Either.right(`${url.origin}${url.pathname.replace(/\/+$/, "")}`)
}

// A credential is sent as a header value exactly as given: printable ASCII, no leading or trailing
// space (a runtime would trim it or refuse to send it, and a retried TransportError would follow).
const sendableSecret = /^[\x21-\x7e](?:[\x20-\x7e]{0,4094}[\x21-\x7e])?$/
const secretProblem = (value: string): string | undefined =>
  value.length === 0
    ? "is empty"
    : value.length > 4096
      ? "is longer than 4096 characters"
      : sendableSecret.test(value)
        ? undefined
        : "cannot be sent as a header value: it must be printable ASCII without control characters or surrounding spaces (the value is not shown)"

/**
 * Validates options into a configuration, naming the offending field on failure.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Either.Either<VoucherifyConfig, VoucherifyError.InvalidConfig> =>
  Either.gen(function* () {
    let baseUrl: string
    if (options.apiUrl !== undefined && options.apiUrl !== "") {
      baseUrl = yield* validateApiUrl(options.apiUrl)
    } else {
      const cluster = options.cluster ?? "api"
      if (!clusters.includes(cluster as Cluster)) {
        return yield* invalid(
          "cluster",
          `must be one of ${clusters.join(", ")} (or set apiUrl for a dedicated cluster)`
        )
      }
      baseUrl = `https://${cluster}.voucherify.io`
    }
    let auth: Auth
    if (options.accessToken !== undefined) {
      const problem = secretProblem(Redacted.value(options.accessToken))
      if (problem !== undefined) return yield* invalid("accessToken", problem)
      auth = { _tag: "Bearer", token: options.accessToken }
    } else {
      if (options.appId === undefined || options.appId === "") {
        return yield* invalid("appId", "is missing: set an application id and secret key, or an access token")
      }
      if (!/^[\x21-\x7e]{1,256}$/.test(options.appId)) return yield* invalid("appId", "must be printable ASCII")
      if (options.secretKey === undefined) {
        return yield* invalid("secretKey", "is missing: set the secret key that belongs to the application id")
      }
      const problem = secretProblem(Redacted.value(options.secretKey))
      if (problem !== undefined) return yield* invalid("secretKey", problem)
      auth = { _tag: "KeyPair", appId: options.appId, secretKey: options.secretKey }
    }
    const requestTimeout = Duration.decodeUnknown(options.requestTimeout ?? defaultRequestTimeout)
    if (
      Option.isNone(requestTimeout) ||
      !Duration.isFinite(requestTimeout.value) ||
      Duration.toMillis(requestTimeout.value) <= 0
    ) {
      return yield* invalid("requestTimeout", "must be a positive, finite duration")
    }
    if (options.apiVersion !== undefined && !/^[\w.-]{1,64}$/.test(options.apiVersion)) {
      return yield* invalid("apiVersion", "must be a version name such as v2018-08-01")
    }
    if (options.channel !== undefined && !/^[\x20-\x7e]{1,128}$/.test(options.channel)) {
      return yield* invalid("channel", "must be 1 to 128 printable ASCII characters")
    }
    const maxResponseBytes = options.maxResponseBytes ?? ResponseLimit.defaultMaxResponseBytes
    if (
      !Number.isInteger(maxResponseBytes) ||
      maxResponseBytes < 1024 ||
      maxResponseBytes > ResponseLimit.maxMaxResponseBytes
    ) {
      return yield* invalid("maxResponseBytes", "must be a whole number of bytes from 1024 to 268435456 (256 MiB)")
    }
    return {
      baseUrl,
      auth,
      apiVersion: Option.fromNullable(options.apiVersion),
      requestTimeout: requestTimeout.value,
      channel: Option.fromNullable(options.channel),
      maxResponseBytes
    }
  })

/**
 * Reads options from the environment: `VOUCHERIFY_API_URL` or `VOUCHERIFY_CLUSTER`, `VOUCHERIFY_APP_ID`,
 * `VOUCHERIFY_SECRET_KEY` and `VOUCHERIFY_ACCESS_TOKEN` (both `Redacted`), `VOUCHERIFY_API_VERSION`,
 * `VOUCHERIFY_REQUEST_TIMEOUT` (a duration such as `20 seconds`), `VOUCHERIFY_MAX_RESPONSE_BYTES` (bytes).
 *
 * @since 0.1.0
 * @category config
 */
export const fromEnv: Config.Config<Options> = Config.all({
  apiUrl: Config.option(Config.string("VOUCHERIFY_API_URL")),
  cluster: Config.option(Config.string("VOUCHERIFY_CLUSTER")),
  appId: Config.option(Config.string("VOUCHERIFY_APP_ID")),
  secretKey: Config.option(Config.redacted("VOUCHERIFY_SECRET_KEY")),
  accessToken: Config.option(Config.redacted("VOUCHERIFY_ACCESS_TOKEN")),
  apiVersion: Config.option(Config.string("VOUCHERIFY_API_VERSION")),
  requestTimeout: Config.option(Config.duration("VOUCHERIFY_REQUEST_TIMEOUT")),
  maxResponseBytes: Config.option(Config.integer("VOUCHERIFY_MAX_RESPONSE_BYTES"))
}).pipe(
  Config.map((env) => ({
    apiUrl: Option.getOrUndefined(env.apiUrl),
    cluster: Option.getOrUndefined(env.cluster),
    appId: Option.getOrUndefined(env.appId),
    secretKey: Option.getOrUndefined(env.secretKey),
    accessToken: Option.getOrUndefined(env.accessToken),
    apiVersion: Option.getOrUndefined(env.apiVersion),
    requestTimeout: Option.getOrUndefined(env.requestTimeout),
    maxResponseBytes: Option.getOrUndefined(env.maxResponseBytes)
  }))
)

/**
 * Loads and validates a configuration from a `Config` (default: {@link fromEnv}), with optional overrides.
 *
 * @since 0.1.0
 * @category constructors
 */
export const load = (
  config: Config.Config<Options> = fromEnv,
  overrides: Options = {}
): Effect.Effect<VoucherifyConfig, VoucherifyError.InvalidConfig> =>
  config.pipe(
    Effect.mapError(
      (error) => new VoucherifyError.InvalidConfig({ field: "environment", reason: describeConfigError(error) })
    ),
    Effect.flatMap((options) => make(mergeOptions(options, overrides)))
  )

// What a variable should hold, for messages that never show the value itself.
const expected: Record<string, string> = {
  VOUCHERIFY_REQUEST_TIMEOUT: "a duration such as 20 seconds",
  VOUCHERIFY_MAX_RESPONSE_BYTES: "a whole number of bytes"
}

// A `ConfigError` renders the offending value ("Expected a duration but received <value>"), and that value
// can be a secret put in the wrong variable: name the variable and what it should hold, never the value.
const describeConfigError = (error: ConfigError.ConfigError): string => {
  const problems: Array<string> = []
  const walk = (e: ConfigError.ConfigError): void => {
    switch (e._op) {
      case "And":
      case "Or":
        walk(e.left)
        walk(e.right)
        return
      case "MissingData":
      case "InvalidData":
      case "SourceUnavailable":
      case "Unsupported": {
        const name = e.path.join("_")
        const hint = expected[name]
        const what =
          e._op === "MissingData" ? "is missing" : e._op === "InvalidData" ? "is not valid" : "cannot be read"
        problems.push(`${name} ${what}${hint === undefined ? "" : ` (expected ${hint})`}`)
      }
    }
  }
  walk(error)
  return `${[...new Set(problems)].join("; ")} (the value is not shown)`
}

const mergeOptions = (base: Options, overrides: Options): Options => {
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value
  // An explicit apiUrl wins over a cluster from the environment and vice versa.
  if (overrides.apiUrl !== undefined) merged.cluster = undefined
  if (overrides.cluster !== undefined) merged.apiUrl = undefined
  return merged as Options
}
