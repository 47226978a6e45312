/**
 * The low-level Voucherify client: one authenticated, rate-limited, retried, timed-out GET that
 * returns a decoded value or a tagged error. Higher-level services (`AsyncActions`) are built on it.
 * No runtime is chosen here: provide `FetchHttpClient.layer`, `NodeHttpClient.layerUndici` or your own.
 *
 * @since 0.1.0
 */

import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { BufferedGet, type Decoder, ResponseLimit, Sanitize, VoucherifyError } from "@voucherify-effect/core"
import * as Clock from "effect/Clock"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import * as Body from "./internal/body.js"
import * as Deadlines from "./internal/deadline.js"
import * as Response from "./internal/response.js"
import * as Spans from "./internal/span.js"
import { version } from "./internal/version.js"
import * as RateLimit from "./RateLimit.js"
import { CurrentRetryPolicy } from "./RetryPolicy.js"
import * as VoucherifyConfig from "./VoucherifyConfig.js"

/**
 * One GET request.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetOptions<A> {
  /** Path under the base URL, starting with `/v1/`; segments must already be safe (branded ids are). */
  readonly path: string
  readonly urlParams?: ReadonlyArray<readonly [string, string]> | undefined
  /** Decodes the text of a 2xx response (core's `decodeJson` functions parse and validate in one pass). */
  readonly decode: (text: string) => Either.Either<A, Decoder.DecodeFailure>
  /**
   * The parent of the request's span (default: the current span). Passing it is cheaper than providing it
   * around the call with `Effect.withParentSpan`, which a stream would pay on every page.
   */
  readonly parentSpan?: Tracer.AnySpan | undefined
}

/**
 * One POST request with a JSON body (an endpoint that starts an async action, say).
 *
 * @since 0.3.0
 * @category models
 */
export interface PostOptions<A> {
  /** Path under the base URL, starting with `/v1/`. */
  readonly path: string
  /** The JSON body: a value `JSON.stringify` can encode (anything else is `InvalidInput` on `body`). */
  readonly body: unknown
  /** Decodes the text of a 2xx response. */
  readonly decode: (text: string) => Either.Either<A, Decoder.DecodeFailure>
  readonly parentSpan?: Tracer.AnySpan | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly config: VoucherifyConfig.VoucherifyConfig
  /** Sends a GET (retried per the current `RetryPolicy`) and decodes the answer. */
  readonly get: <A>(options: GetOptions<A>) => Effect.Effect<A, VoucherifyError.VoucherifyError>
  /**
   * Sends a POST once, under the same limiter, deadline, size limit and redirect refusal as `get`, and
   * decodes the answer. Never retried: a POST that failed on its way may still have taken effect.
   */
  readonly post: <A>(options: PostOptions<A>) => Effect.Effect<A, VoucherifyError.VoucherifyError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class VoucherifyClient extends Context.Tag("@voucherify-effect/http/VoucherifyClient")<
  VoucherifyClient,
  Service
>() {}

/**
 * The library's name and version, sent as `User-Agent` and `X-Voucherify-Channel`.
 *
 * @since 0.1.0
 * @category constants
 */
export const userAgent = `voucherify-effect/${version}`

// Header names whose values are secrets: logs, spans and `Headers` inspection show them redacted.
const secretHeaderNames = ["x-app-token", "authorization"]

const authHeaders = (auth: VoucherifyConfig.Auth): Record<string, string> =>
  auth._tag === "Bearer"
    ? { authorization: `Bearer ${Redacted.value(auth.token)}` }
    : { "x-app-id": auth.appId, "x-app-token": Redacted.value(auth.secretKey) }

// The values an error built from a response must never show.
const credentials = (auth: VoucherifyConfig.Auth): ReadonlyArray<string> =>
  auth._tag === "Bearer" ? [Redacted.value(auth.token)] : [Redacted.value(auth.secretKey), auth.appId]

const transportReason = (
  error: { readonly reason: string; readonly cause?: unknown },
  secrets: ReadonlyArray<string>
): string => {
  const cause = error.cause
  const detail =
    cause instanceof Error
      ? `${cause.message}${cause.cause instanceof Error ? `: ${cause.cause.message}` : ""}`
      : String(cause ?? "")
  return `${error.reason}${detail === "" ? "" : ` (${Sanitize.sanitize(detail, { maxLength: 200, secrets })})`}`
}

// Redirects are never followed (see the README's security section): the platform's fetch client takes
// its `RequestInit` from the request's context, so every request carries `redirect: "manual"` on top of
// whatever the caller set. Transports that never follow (undici's `request`, NodeTransport) ignore it.
const manualRedirects = (init: globalThis.RequestInit | undefined): globalThis.RequestInit =>
  init?.redirect === "manual" || init?.redirect === "error" ? init : { ...init, redirect: "manual" }

/**
 * Builds the client from a validated configuration, on the `HttpClient` in context. Uses the shared
 * `VoucherifyRateLimiter` when one is provided, otherwise a private one that only honours server pauses.
 * Scoped: the per-request deadline watchdog lives as long as the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: VoucherifyConfig.VoucherifyConfig
): Effect.Effect<Service, VoucherifyError.InvalidConfig, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function* () {
    const limiter = yield* Effect.serviceOption(RateLimit.VoucherifyRateLimiter).pipe(
      Effect.flatMap(Option.match({ onSome: Effect.succeed, onNone: () => RateLimit.make() }))
    )
    // Our secret header names are redacted wherever `Headers` are shown (an HttpClient middleware that
    // logs requests, for one) for as long as the client lives: set once here, not on every request.
    yield* Effect.locallyScopedWith(Headers.currentRedactedNames, (names) => [
      ...new Set([...names, ...secretHeaderNames])
    ])
    // Scoped requests: closing a request's scope aborts its connection, so a timed-out or cancelled
    // request leaves no socket open. The platform's own span per request is replaced by a leaner one
    // below (it records every request and response header, ~135 µs of CPU per request measured), and
    // no `traceparent` goes to a third-party API: our trace ids are ours.
    const transport = yield* HttpClient.HttpClient
    const http = HttpClient.withScope(transport).pipe(HttpClient.withTracerDisabledWhen(() => true))
    // The transport's own GET shortcut, when the client in context is a transport that offers one (not a
    // client some middleware was added to): the same request without platform request/response objects.
    const bufferedGet = BufferedGet.fromClient(transport)
    const channel = Option.match(config.channel, { onNone: () => userAgent, onSome: (c) => `${userAgent} ${c}` })
    const headers = {
      accept: "application/json",
      "user-agent": channel,
      "x-voucherify-channel": channel,
      ...Option.match(config.apiVersion, {
        onNone: () => ({}),
        onSome: (v) => ({ "x-voucherify-api-version": v })
      }),
      ...authHeaders(config.auth)
    }
    const timeoutMillis = Duration.toMillis(config.requestTimeout)
    const baseOrigin = new URL(config.baseUrl).origin
    // The base URL's path (e.g. a proxy's prefix); `baseUrl` has no trailing slash.
    const basePath = config.baseUrl.slice(baseOrigin.length)
    const serverAddress = new URL(config.baseUrl).host
    const secrets = credentials(config.auth)
    const maxResponseBytes = config.maxResponseBytes

    // A body that could not be read whole: over the size limit (a typed `TooLarge`, not worth retrying), or
    // cut short.
    const bodyError = (method: string, path: string, status: number, cause: unknown) =>
      ResponseLimit.isResponseTooLarge(cause)
        ? Response.tooLarge({ method, path, status }, cause)
        : new VoucherifyError.TransportError({
            method,
            path,
            reason: transportReason({ reason: "Decode", cause }, secrets)
          })
    const transportError = (method: string, path: string) => (error: HttpClientError.HttpClientError) =>
      error._tag === "ResponseError" && error.reason === "Decode"
        ? bodyError(method, path, error.response.status, error.cause)
        : new VoucherifyError.TransportError({ method, path, reason: transportReason(error, secrets) })

    // The context every request runs with: no redirect following on fetch, and the body limit when it is
    // not the default (transports read both from the request's context). Computed per request from the
    // caller's context, a copy of a small map.
    const requestContext = (context: Context.Context<never>): Context.Context<never> => {
      const withInit = Context.add(
        context,
        FetchHttpClient.RequestInit,
        manualRedirects(Context.getOrElse(context, FetchHttpClient.RequestInit, () => undefined))
      )
      return maxResponseBytes === ResponseLimit.defaultMaxResponseBytes
        ? withInit
        : Context.add(withInit, ResponseLimit.MaxResponseBytes, maxResponseBytes)
    }

    // What one response means: an API error, a pause for the limiter, or the decoded body.
    const receive = <A>(
      method: string,
      options: Pick<GetOptions<A>, "decode">,
      path: string,
      status: number,
      headers: Readonly<Record<string, string | undefined>>,
      body: string,
      span: Tracer.Span
    ): Effect.Effect<A, VoucherifyError.VoucherifyError> => {
      span.attribute("http.response.status_code", status)
      const remaining = Response.parseRemaining(headers["x-rate-limit-remaining"])
      // The common answer, a 2xx that pauses nobody, needs neither the clock nor the limiter.
      if (status >= 200 && status <= 299 && remaining !== 0) {
        return Response.decodeSuccess({ method, path, status, headers, body, nowMillis: 0, secrets }, options.decode)
      }
      return Effect.flatMap(Clock.currentTimeMillis, (nowMillis) => {
        const received: Response.Exchange = { method, path, status, headers, body, nowMillis, secrets }
        return Effect.zipRight(
          limiter.observe({
            status,
            remaining,
            retryAtMillis: Response.parseRetryAt(headers["x-rate-limit-retry"]),
            retryAfterMillis: status === 429 ? Response.parseRetryAfter(headers["retry-after"], nowMillis) : undefined
          }),
          status >= 200 && status <= 299
            ? Response.decodeSuccess<A>(received, options.decode)
            : Either.left<VoucherifyError.VoucherifyError>(Response.toApiError(received, config.baseUrl))
        )
      })
    }

    const deadlines = yield* Deadlines.make(config.requestTimeout)

    const spanOptions = (
      method: string,
      options: Pick<GetOptions<unknown>, "path" | "parentSpan">
    ): Tracer.SpanOptions => ({
      kind: "client",
      captureStackTrace: false,
      attributes: { "http.request.method": method, "server.address": serverAddress, "url.path": options.path },
      ...(options.parentSpan === undefined ? {} : { parent: options.parentSpan })
    })
    const onExpired = (method: string, path: string) => () =>
      new VoucherifyError.RequestTimeout({ method, path, timeoutMillis })
    // An aborted request surfaces from the transport; anything else already had its answer.
    const isAbort = (error: VoucherifyError.VoucherifyError) => error._tag === "TransportError"

    // One attempt through `HttpClient.execute`: the request and its body in a request scope closed at the
    // deadline, under its own span (named like the platform's HTTP client spans; not made the parent of
    // anything, so it costs less).
    const attemptExecute = <A>(
      options: GetOptions<A>,
      path: string,
      method: "GET" | "POST" = "GET",
      body?: HttpBody.HttpBody
    ): Effect.Effect<A, VoucherifyError.VoucherifyError> =>
      Spans.use(`http.client ${method}`, spanOptions(method, options), (span) => {
        const bare = HttpClientRequest.make(method)(`${config.baseUrl}${options.path}`).pipe(
          HttpClientRequest.setUrlParams(options.urlParams ?? []),
          HttpClientRequest.setHeaders(headers)
        )
        const request = body === undefined ? bare : HttpClientRequest.setBody(bare, body)
        const exchange = http.execute(request).pipe(
          Effect.flatMap((response) => {
            // A transport that followed a redirect anyway: its answer is not the API's.
            const followed = Body.followedTo(response, baseOrigin)
            if (followed !== undefined) {
              return Effect.fail(
                new VoucherifyError.UnexpectedStatus({
                  status: response.status,
                  method,
                  path,
                  location: Sanitize.sanitize(followed, { maxLength: 200, secrets })
                })
              )
            }
            // `headers` is rebuilt on every access of a web Response: read it once.
            const responseHeaders = response.headers
            return Effect.flatMap(Body.text(response, maxResponseBytes), (body) =>
              receive(method, options, path, response.status, responseHeaders, body, span)
            )
          }),
          Effect.catchTags({ RequestError: transportError(method, path), ResponseError: transportError(method, path) })
        )
        return deadlines.within(exchange, {
          isAbort,
          onExpired: onExpired(method, path),
          // Set in the same step as the request's scope: one context switch per request.
          context: requestContext
        })
      })

    // One attempt through the transport's `BufferedGet`: the same request, status, headers and bounded body,
    // with one promise and no platform objects; aborted through its signal at the deadline.
    const attemptBuffered =
      (send: BufferedGet.BufferedGet) =>
      <A>(options: GetOptions<A>, path: string): Effect.Effect<A, VoucherifyError.VoucherifyError> =>
        Spans.use("http.client GET", spanOptions("GET", options), (span) =>
          deadlines.withinSignal(
            (signal) =>
              Effect.flatMap(
                Effect.withFiberRuntime<BufferedGet.Answer, VoucherifyError.TransportError>((fiber) =>
                  Effect.async((resume) => {
                    send({
                      origin: baseOrigin,
                      path: `${basePath}${options.path}${query(options.urlParams)}`,
                      headers,
                      signal,
                      maxResponseBytes,
                      context: fiber.currentContext
                    }).then(
                      (answer) => resume(Effect.succeed(answer)),
                      (cause: unknown) =>
                        resume(
                          Effect.fail(
                            new VoucherifyError.TransportError({
                              method: "GET",
                              path,
                              reason: transportReason({ reason: "Transport", cause }, secrets)
                            })
                          )
                        )
                    )
                  })
                ),
                (answer) =>
                  answer.body._tag === "Read"
                    ? receive("GET", options, path, answer.status, answer.headers, answer.body.text, span)
                    : Effect.fail(bodyError("GET", path, answer.status, answer.body.cause))
              ),
            { isAbort, onExpired: onExpired("GET", path) }
          )
        )

    const attempt: <A>(options: GetOptions<A>, path: string) => Effect.Effect<A, VoucherifyError.VoucherifyError> =
      bufferedGet === undefined ? (options, path) => attemptExecute(options, path) : attemptBuffered(bufferedGet)

    const logFailure = (path: string, error: VoucherifyError.VoucherifyError) =>
      Effect.logDebug("Voucherify request failed").pipe(
        Effect.annotateLogs({ path, error: error._tag, transient: VoucherifyError.isTransient(error) })
      )

    const get = <A>(options: GetOptions<A>): Effect.Effect<A, VoucherifyError.VoucherifyError> =>
      Effect.flatMap(CurrentRetryPolicy, (policy) => {
        const path = displayPath(options)
        // Waiting for the limiter does not count against the per-request timeout.
        const once = limiter.withPermit(attempt(options, path))
        // The retry schedule (and the logging of each failed attempt) is only set up once a first attempt
        // has failed: the common, successful request pays nothing for it.
        return Effect.catchAll(once, (first) =>
          Effect.zipRight(
            logFailure(path, first),
            VoucherifyError.isTransient(first)
              ? Effect.retry(
                  replayFailure(
                    first,
                    Effect.tapError(once, (error) => logFailure(path, error))
                  ),
                  policy
                )
              : Effect.fail(first)
          )
        )
      })

    const post = <A>(options: PostOptions<A>): Effect.Effect<A, VoucherifyError.VoucherifyError> =>
      Effect.suspend(() => {
        // Encoded before anything is sent: a body JSON cannot carry is the caller's error, named as such.
        let json: string | undefined
        try {
          json = JSON.stringify(options.body)
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error)
          return Effect.fail(
            new VoucherifyError.InvalidInput({
              field: "body",
              reason: `is not JSON-serialisable (${reason.slice(0, 200)})`
            })
          )
        }
        if (json === undefined) {
          return Effect.fail(new VoucherifyError.InvalidInput({ field: "body", reason: "is not JSON-serialisable" }))
        }
        const path = options.path
        return limiter.withPermit(attemptExecute(options, path, "POST", HttpBody.text(json, "application/json")))
      }).pipe(Effect.tapError((error) => logFailure(options.path, error)))

    return { config, get, post }
  })

// An effect that fails with `first` the first time it runs and behaves as `effect` afterwards, so the
// retry schedule sees the failure that already happened as its first input.
const replayFailure = <A, E>(first: E, effect: Effect.Effect<A, E>): Effect.Effect<A, E> => {
  let replayed = false
  return Effect.suspend(() => {
    if (replayed) return effect
    replayed = true
    return Effect.fail(first)
  })
}

// The query string as `HttpClientRequest.setUrlParams` would send it (URLSearchParams' encoding).
const query = (params: GetOptions<unknown>["urlParams"]): string =>
  params === undefined || params.length === 0 ? "" : `?${new URLSearchParams(params as Array<[string, string]>)}`

const displayPath = (options: GetOptions<unknown>): string => {
  const query = (options.urlParams ?? []).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")
  return query === "" ? options.path : `${options.path}?${query}`
}

/**
 * The client from options, validated when the layer is built.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: VoucherifyConfig.Options
): Layer.Layer<VoucherifyClient, VoucherifyError.InvalidConfig, HttpClient.HttpClient> =>
  Layer.scoped(VoucherifyClient, Effect.flatMap(VoucherifyConfig.make(options), make))

/**
 * The client from the environment (`VOUCHERIFY_*`, see `VoucherifyConfig.fromEnv`), with optional overrides.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<VoucherifyConfig.Options> = VoucherifyConfig.fromEnv,
  overrides: VoucherifyConfig.Options = {}
): Layer.Layer<VoucherifyClient, VoucherifyError.InvalidConfig, HttpClient.HttpClient> =>
  Layer.scoped(VoucherifyClient, Effect.flatMap(VoucherifyConfig.load(config, overrides), make))
