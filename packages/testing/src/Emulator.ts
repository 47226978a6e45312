/**
 * A real HTTP server (node:http, loopback only) that emulates Voucherify's Async Actions API: the wire shapes
 * of the OpenAPI contract, auth, rate limits, endpoints that start actions, an admin API and fault injection.
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import { Context, Effect, Layer, Redacted, Runtime, type Scope } from "effect"
import type * as EmulatorState from "./EmulatorState.js"
import type * as Faults from "./Faults.js"
import { EmulatorStartError } from "./internal/errors.js"
import type * as Router from "./internal/router.js"
import * as Setup from "./internal/setup.js"

/**
 * Options of the emulator. Credentials come from here, else from `VOUCHERIFY_APP_ID` / `VOUCHERIFY_SECRET_KEY`,
 * else they are generated.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorOptions extends Setup.CommonOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number | undefined
  /** Loopback only: `127.0.0.1` (default), `localhost` or `::1`. */
  readonly host?: string | undefined
}

/**
 * What `createAction` takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateActionInput {
  readonly type: EmulatorState.ActionType
  readonly durationMillis?: number | undefined
  readonly startAfterMillis?: number | undefined
  readonly outcome?: EmulatorState.Outcome | undefined
  /** Epoch ms; defaults to the `Clock`. */
  readonly createdAt?: number | undefined
  /** Items processed (default 3). */
  readonly size?: number | undefined
}

/**
 * One logged `/v1` (or unknown-route) request.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestLogEntry = Router.RequestLogEntry

/**
 * A running emulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorHandle {
  /** `http://127.0.0.1:PORT` */
  readonly url: string
  readonly port: number
  readonly appId: string
  readonly secretKey: Redacted.Redacted<string>
  /** Whether the credentials came from options, the environment or were generated. */
  readonly credentialSource: { readonly appId: Setup.CredentialSource; readonly secretKey: Setup.CredentialSource }
  /** Creates an action and returns its GET-by-id wire JSON (including `id`). */
  readonly createAction: (input: CreateActionInput) => Effect.Effect<EmulatorState.ActionWire>
  /** Replaces the fault profile (`undefined` turns faults off). Injected counts are kept. */
  readonly setFaults: (profile: Faults.FaultProfile | undefined) => Effect.Effect<void>
  /** How many faults of each kind were injected so far. */
  readonly faultsInjected: Effect.Effect<Record<Faults.FaultKind, number>>
  /** The request log (admin requests are not logged). */
  readonly requests: Effect.Effect<ReadonlyArray<RequestLogEntry>>
  readonly clearRequests: Effect.Effect<void>
  /** Sockets currently open. */
  readonly openConnections: Effect.Effect<number>
  /** Requests accepted but not answered yet (hung requests included until their client closes). */
  readonly inFlight: Effect.Effect<number>
  readonly state: EmulatorState.EmulatorState
}

/**
 * The emulator could not start.
 *
 * @since 0.1.0
 * @category errors
 */
export { EmulatorStartError }

/**
 * The running emulator as a service.
 *
 * @since 0.1.0
 * @category tags
 */
export class Emulator extends Context.Tag("@voucherify-effect/testing/Emulator")<Emulator, EmulatorHandle>() {}

const loopbackHosts: Record<string, string> = { "127.0.0.1": "127.0.0.1", localhost: "127.0.0.1", "::1": "::1" }

/** Wires a router to a node request. */
const serve = (
  router: Router.Router,
  runtime: Runtime.Runtime<never>,
  counters: { inFlight: number },
  req: Http.IncomingMessage,
  res: Http.ServerResponse
): void => {
  counters.inFlight++
  let settled = false
  const settle = () => {
    if (!settled) {
      settled = true
      counters.inFlight--
    }
  }
  res.once("finish", settle)
  res.once("close", settle)
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.once("error", () => res.destroy())
  req.once("end", () => {
    const request: Router.RouterRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8")
    }
    Runtime.runCallback(runtime)(router.handle(request), {
      onExit: (exit) => {
        if (exit._tag === "Failure") {
          res.writeHead(500, { "content-type": "application/json; charset=utf-8" })
          res.end(JSON.stringify({ code: 500, message: "Internal Server Error" }))
          return
        }
        write(exit.value, res)
      }
    })
  })
}

const write = (response: Router.RouterResponse, res: Http.ServerResponse): void => {
  const transport = response.transport
  if (transport?._tag === "Hang") return // never answer; `close` settles it when the client gives up
  const body = Buffer.from(response.body, "utf8")
  res.writeHead(response.status, { ...response.headers, "content-length": String(body.length) })
  if (transport === undefined) {
    res.end(body)
    return
  }
  const socket = res.socket as Net.Socket | null
  const cut = body.subarray(0, Math.min(transport.afterBytes, Math.max(0, body.length - 1)))
  res.flushHeaders()
  const finish = () => {
    if (socket === null) return res.destroy()
    if (transport._tag === "Reset") {
      if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy()
      else socket.destroy()
    } else {
      socket.end()
    }
  }
  if (cut.length > 0) res.write(cut, () => finish())
  else if (socket !== null) socket.write("", () => finish())
  else finish()
}

/**
 * Starts the emulator on `host:port` (port 0 = a free port). Closing the scope closes the server and destroys
 * open sockets.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: EmulatorOptions = {}): Effect.Effect<EmulatorHandle, EmulatorStartError, Scope.Scope> =>
  Effect.gen(function* () {
    const requestedHost = options.host ?? "127.0.0.1"
    const host = loopbackHosts[requestedHost]
    if (host === undefined) {
      return yield* new EmulatorStartError({
        reason: "NonLoopbackHost",
        message: `The emulator only listens on loopback (127.0.0.1, localhost, ::1), not ${requestedHost}`
      })
    }
    const port = options.port ?? 0
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return yield* new EmulatorStartError({ reason: "InvalidOptions", message: `Invalid port ${port}` })
    }
    const invalid = Setup.validate(options)
    if (invalid !== undefined) return yield* new EmulatorStartError({ reason: "InvalidOptions", message: invalid })
    const setup = yield* Setup.make(options)
    const runtime = yield* Effect.runtime<never>()
    const counters = { inFlight: 0 }
    const sockets = new Set<Net.Socket>()
    const server = Http.createServer((req, res) => serve(setup.router, runtime, counters, req, res))
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
    })
    server.on("clientError", (_error, socket) => socket.destroy())

    const boundPort = yield* Effect.acquireRelease(
      Effect.async<number, EmulatorStartError>((resume) => {
        const onError = (cause: Error) =>
          resume(
            Effect.fail(
              new EmulatorStartError({
                reason: "ListenFailed",
                message: `Cannot listen on ${host}:${port}: ${cause.message}`,
                cause
              })
            )
          )
        server.once("error", onError)
        server.listen(port, host, () => {
          server.off("error", onError)
          const address = server.address()
          resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : port))
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
          for (const socket of sockets) socket.destroy()
        })
    )

    const urlHost = host.includes(":") ? `[${host}]` : host
    const handle: EmulatorHandle = {
      url: `http://${urlHost}:${boundPort}`,
      port: boundPort,
      appId: setup.appId,
      secretKey: setup.secretKey,
      credentialSource: { appId: setup.appIdSource, secretKey: setup.secretKeySource },
      createAction: (input) =>
        Effect.flatMap(setup.state.create(input), (action) => EffectCurrent(setup.state, action.id)),
      setFaults: (profile) => Effect.sync(() => setup.router.setFaults(profile)),
      faultsInjected: Effect.sync(() => setup.router.faultsInjected()),
      requests: Effect.sync(() => setup.router.requests()),
      clearRequests: Effect.sync(() => setup.router.clearRequests()),
      openConnections: Effect.sync(() => sockets.size),
      inFlight: Effect.sync(() => counters.inFlight),
      state: setup.state
    }
    return handle
  })

const EffectCurrent = (state: EmulatorState.EmulatorState, id: string): Effect.Effect<EmulatorState.ActionWire> =>
  Effect.map(
    Effect.clockWith((clock) => clock.currentTimeMillis),
    (now) => state.get(id, now) as EmulatorState.ActionWire
  )

/**
 * The emulator as a scoped layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: EmulatorOptions = {}): Layer.Layer<Emulator, EmulatorStartError> =>
  Layer.scoped(Emulator, make(options))

/**
 * The headers that authenticate as the emulator's project (`X-App-Id`, `X-App-Token`).
 *
 * @since 0.1.0
 * @category utils
 */
export const authHeaders = (handle: Pick<EmulatorHandle, "appId" | "secretKey">): Record<string, string> => ({
  "X-App-Id": handle.appId,
  "X-App-Token": Redacted.value(handle.secretKey)
})
