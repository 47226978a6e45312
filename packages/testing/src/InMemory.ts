/**
 * The emulator without a socket: an `HttpClient` that serves requests in-process through the same router as
 * the HTTP server, so the real client runs against it under `TestClock`. Socket-level faults become a
 * `RequestError` (`reset`, `truncated`) or a wait that only interruption ends (`hang`).
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Context, Effect, Layer, type Redacted, Stream } from "effect"
import type { CreateActionInput, EmulatorOptions, RequestLogEntry } from "./Emulator.js"
import type * as EmulatorState from "./EmulatorState.js"
import type * as Faults from "./Faults.js"
import { EmulatorStartError } from "./internal/errors.js"
import type * as Router from "./internal/router.js"
import * as Setup from "./internal/setup.js"

/**
 * Options of the in-memory emulator (the server options minus `port` and `host`).
 *
 * @since 0.1.0
 * @category models
 */
export type InMemoryOptions = Omit<EmulatorOptions, "port" | "host">

/**
 * The base URL to configure clients with; any host works, only the path is routed.
 *
 * @since 0.1.0
 * @category constants
 */
export const url = "http://emulator.local"

/**
 * The in-memory emulator could not be built (invalid options).
 *
 * @since 0.1.0
 * @category errors
 */
export { EmulatorStartError }

/**
 * An in-memory emulator: the `HttpClient` plus the same controls as the server handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface InMemoryHandle {
  readonly url: string
  readonly client: HttpClient.HttpClient
  readonly appId: string
  readonly secretKey: Redacted.Redacted<string>
  readonly createAction: (input: CreateActionInput) => Effect.Effect<EmulatorState.ActionWire>
  readonly setFaults: (profile: Faults.FaultProfile | undefined) => Effect.Effect<void>
  readonly faultsInjected: Effect.Effect<Record<Faults.FaultKind, number>>
  readonly requests: Effect.Effect<ReadonlyArray<RequestLogEntry>>
  readonly clearRequests: Effect.Effect<void>
  readonly state: EmulatorState.EmulatorState
}

/**
 * The in-memory emulator as a service.
 *
 * @since 0.1.0
 * @category tags
 */
export class InMemoryEmulator extends Context.Tag("@voucherify-effect/testing/InMemoryEmulator")<
  InMemoryEmulator,
  InMemoryHandle
>() {}

const bodyText = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<string> => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed("")
    case "Uint8Array":
      return Effect.succeed(new TextDecoder().decode(body.body))
    case "Raw":
      return Effect.succeed(
        typeof body.body === "string"
          ? body.body
          : body.body instanceof Uint8Array
            ? new TextDecoder().decode(body.body)
            : JSON.stringify(body.body)
      )
    case "FormData":
      return Effect.succeed("")
    case "Stream":
      return body.stream.pipe(
        Stream.decodeText(),
        Stream.mkString,
        Effect.orElseSucceed(() => "")
      )
  }
}

const untilAborted = (request: HttpClientRequest.HttpClientRequest, signal: AbortSignal) =>
  Effect.async<never, HttpClientError.RequestError>((resume) => {
    const abort = () =>
      resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", description: "Aborted" })))
    if (signal.aborted) abort()
    else signal.addEventListener("abort", abort, { once: true })
    return Effect.sync(() => signal.removeEventListener("abort", abort))
  })

const toClient = (router: Router.Router): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) =>
    Effect.gen(function* () {
      const body = yield* bodyText(request)
      const response = yield* router.handle({
        method: request.method,
        url: `${url.pathname}${url.search}`,
        headers: request.headers,
        body
      })
      const transport = response.transport
      if (transport !== undefined) {
        // Like a socket that never answers: only interruption or the request's AbortSignal ends the wait.
        if (transport._tag === "Hang") return yield* untilAborted(request, signal)
        return yield* new HttpClientError.RequestError({
          request,
          reason: "Transport",
          description:
            transport._tag === "Reset" ? "Connection reset by peer (emulated)" : "Response body truncated (emulated)",
          cause: new Error(transport._tag === "Reset" ? "ECONNRESET" : "terminated")
        })
      }
      const empty = response.status === 204 || response.status === 304 || response.body === ""
      return HttpClientResponse.fromWeb(
        request,
        new Response(empty ? null : response.body, { status: response.status, headers: response.headers })
      )
    })
  )

/**
 * Builds an in-memory emulator (seeded, with credentials resolved like the server's).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: InMemoryOptions = {}): Effect.Effect<InMemoryHandle, EmulatorStartError> =>
  Effect.gen(function* () {
    const invalid = Setup.validate(options)
    if (invalid !== undefined) {
      return yield* new EmulatorStartError({
        reason: "InvalidOptions",
        message: `Invalid in-memory emulator options: ${invalid}`
      })
    }
    const setup = yield* Setup.make(options)
    const { router, state } = setup
    return {
      url,
      client: toClient(router),
      appId: setup.appId,
      secretKey: setup.secretKey,
      createAction: (input) => Effect.flatMap(state.create(input), (action) => current(state, action.id)),
      setFaults: (profile) => Effect.sync(() => router.setFaults(profile)),
      faultsInjected: Effect.sync(() => router.faultsInjected()),
      requests: Effect.sync(() => router.requests()),
      clearRequests: Effect.sync(() => router.clearRequests()),
      state
    }
  })

const current = (state: EmulatorState.EmulatorState, id: string): Effect.Effect<EmulatorState.ActionWire> =>
  Effect.clockWith((clock) =>
    Effect.map(clock.currentTimeMillis, (now) => state.get(id, now) as EmulatorState.ActionWire)
  )

/**
 * Provides both the `HttpClient` and the {@link InMemoryEmulator} handle.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: InMemoryOptions = {}
): Layer.Layer<HttpClient.HttpClient | InMemoryEmulator, EmulatorStartError> =>
  Layer.effectContext(
    Effect.map(make(options), (handle) =>
      Context.make(InMemoryEmulator, handle).pipe(Context.add(HttpClient.HttpClient, handle.client))
    )
  )

/**
 * An `HttpClient` layer served in-process by a fresh emulator.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient = (
  options: InMemoryOptions = {}
): Layer.Layer<HttpClient.HttpClient, EmulatorStartError> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(make(options), (handle) => handle.client)
  )
