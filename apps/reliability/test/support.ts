// Shared pieces of the reliability suite: the secrets every test uses (and must never see printed), a
// log capture, a scripted HttpClient, client layers over the emulator, defect and rejection accounting.
import { HttpClient, HttpClientError, type HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { afterEach, expect } from "@effect/vitest"
import { VoucherifyError } from "@voucherify-effect/core"
import { AsyncActions, RateLimit, RetryPolicy, VoucherifyClient, type VoucherifyConfig } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import type { Emulator } from "@voucherify-effect/testing"
import {
  Cause,
  Effect,
  Exit,
  type Fiber,
  Inspectable,
  Layer,
  List,
  Logger,
  LogLevel,
  Redacted,
  Supervisor
} from "effect"

export const appId = "reliability-app"
export const secretKey = "sk_rel_S3CR3T-0f9e8d7c6b5a-never-print"
export const bearerToken = "tok_rel_B34R3R-1a2b3c4d5e6f-never-print"
const secrets = [secretKey, bearerToken]

/** Whether a text contains a secret (or its base64 / URL-encoded form). */
export const leaks = (text: string): boolean =>
  secrets.some(
    (secret) =>
      text.includes(secret) ||
      text.includes(Buffer.from(secret).toString("base64")) ||
      text.includes(encodeURIComponent(secret))
  )

/** Every rendering of an error a user might print or ship to a log. */
export const renderings = (error: unknown): ReadonlyArray<string> => {
  const out: Array<string> = [String(error), Inspectable.format(error)]
  try {
    out.push(JSON.stringify(error))
  } catch (e) {
    out.push(`JSON.stringify threw ${String(e)}`)
  }
  if (error instanceof Error) out.push(error.message, error.stack ?? "")
  return out
}

// ---- defects in any fiber: a forked fiber (the client's deadline watchdog, a limiter, a server handler)
// that dies is a failed test, even when nobody joins it and Effect only logs it at Debug -----------------

/** Every defect seen in a fiber or a log line since the last test ended. */
export const fiberDefects: Array<string> = []

class DefectSupervisor extends Supervisor.AbstractSupervisor<void> {
  readonly value = Effect.void
  override onEnd<A, E>(exit: Exit.Exit<A, E>, fiber: Fiber.RuntimeFiber<A, E>): void {
    if (Exit.isFailure(exit) && Cause.isDie(exit.cause)) {
      fiberDefects.push(`fiber #${fiber.id().id} died: ${Cause.pretty(exit.cause).slice(0, 1500)}`)
    }
  }
}

/** Adds the defect supervisor to everything built or run after it. */
export const superviseDefects = Supervisor.addSupervisor(new DefectSupervisor())

// Each test ends by checking that no fiber died and no defect was logged while it ran.
afterEach(() => {
  const seen = fiberDefects.splice(0)
  expect(seen, "defects in forked fibers or log lines").toEqual([])
})

// ---- log capture (Debug and above), shared by a whole test file -------------------------------------------

export const logLines: Array<string> = []

/**
 * Logs at Debug and above, every fiber supervised for defects. Every test running the client provides it,
 * so a fiber the client forks (built inside it) is watched too.
 */
export const captureLogs = Layer.mergeAll(
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ message, annotations, cause, spans, logLevel }) => {
      if (Cause.isDie(cause))
        fiberDefects.push(`${logLevel.label} log with a defect: ${Cause.pretty(cause).slice(0, 1500)}`)
      logLines.push(
        `${logLevel.label} ${Inspectable.format({ message, annotations, cause: Cause.pretty(cause), spans: List.toArray(spans) })}`
      )
    })
  ),
  Logger.minimumLogLevel(LogLevel.Debug),
  superviseDefects
)

// ---- figures ------------------------------------------------------------------------------------------------

export const figures = {
  exits: 0,
  defects: 0,
  typedFailures: 0,
  successes: 0,
  leaks: 0,
  errorTexts: 0
}

/**
 * Classifies one outcome: success, or a failure made only of the library's typed errors. Anything else
 * (a defect, an interruption, a foreign error) is returned as a description of what went wrong.
 */
export const classify = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  figures.exits++
  if (Exit.isSuccess(exit)) {
    figures.successes++
    return undefined
  }
  const cause = exit.cause
  const defects = [...Cause.defects(cause)]
  if (defects.length > 0) {
    figures.defects++
    return `defect: ${Cause.pretty(cause).slice(0, 2000)}`
  }
  const failures = [...Cause.failures(cause)]
  if (failures.length === 0) return `no typed failure: ${Cause.pretty(cause).slice(0, 500)}`
  for (const failure of failures) {
    if (!VoucherifyError.isVoucherifyError(failure)) return `foreign failure: ${Inspectable.format(failure)}`
    for (const text of renderings(failure)) {
      figures.errorTexts++
      if (leaks(text)) {
        figures.leaks++
        return `secret in ${failure._tag} rendering`
      }
    }
  }
  figures.typedFailures++
  return undefined
}

// ---- unhandled rejections -------------------------------------------------------------------------------------

export const rejections: Array<unknown> = []
process.on("unhandledRejection", (reason) => {
  rejections.push(reason)
})

// Each test ends by checking that nothing it ran left an unhandled rejection behind.
let rejectionsChecked = 0
afterEach(() => {
  const fresh = rejections
    .slice(rejectionsChecked)
    .map((reason) => (reason instanceof Error ? String(reason) : Inspectable.format(reason)).slice(0, 500))
  rejectionsChecked = rejections.length
  expect(fresh, "unhandled rejections").toEqual([])
})

// ---- a scripted HttpClient ------------------------------------------------------------------------------------

export type Reply =
  | { readonly status: number; readonly body?: string; readonly headers?: Record<string, string> }
  | { readonly transport: string }
  | { readonly hang: true }

export interface Script {
  readonly requests: Array<{ readonly url: URL; readonly headers: Readonly<Record<string, string>> }>
  readonly layer: Layer.Layer<HttpClient.HttpClient>
}

const nullBodyStatuses = new Set([101, 103, 204, 205, 304])

/** An HttpClient that records every request and answers with `replies` in turn (cycling). */
export const scripted = (replies: ReadonlyArray<Reply>): Script => {
  const requests: Script["requests"] = []
  const client = HttpClient.make((request: HttpClientRequest.HttpClientRequest, url, signal) =>
    Effect.suspend(() => {
      requests.push({ url, headers: { ...request.headers } })
      const reply = replies[(requests.length - 1) % replies.length]!
      if ("transport" in reply) {
        return Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Transport", description: reply.transport })
        )
      }
      // A server that never answers: give up only when the request's AbortSignal fires, like platform clients.
      if ("hang" in reply) {
        return Effect.async<never, HttpClientError.RequestError>((resume) => {
          const abort = () =>
            resume(
              Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", description: "aborted" }))
            )
          if (signal.aborted) abort()
          else signal.addEventListener("abort", abort, { once: true })
        })
      }
      return Effect.succeed(
        HttpClientResponse.fromWeb(
          request,
          new Response(nullBodyStatuses.has(reply.status) ? null : (reply.body ?? ""), {
            status: reply.status,
            headers: reply.headers ?? { "content-type": "application/json" }
          })
        )
      )
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

// ---- client layers --------------------------------------------------------------------------------------------

/** A retry policy for tests: many fast retries, server waits clamped to a few milliseconds. */
export const fastRetries = (maxRetries = 20) =>
  RetryPolicy.make({ maxRetries, baseDelay: "1 millis", maxDelay: "10 millis", maxRetryAfter: "5 millis" })

/** The client on any HttpClient, with a limiter whose server-requested pauses are clamped to 5 ms. */
export const clientOn = (
  http: Layer.Layer<HttpClient.HttpClient>,
  options: Partial<VoucherifyConfig.Options> = {}
): Layer.Layer<AsyncActions.AsyncActions | VoucherifyClient.VoucherifyClient, VoucherifyError.InvalidConfig> =>
  AsyncActions.layer.pipe(
    Layer.provideMerge(
      VoucherifyClient.layer({
        apiUrl: "https://api.voucherify.io",
        appId,
        secretKey: Redacted.make(secretKey),
        ...options
      })
    ),
    Layer.provide(RateLimit.layer({ maxPause: "5 millis" })),
    Layer.provide(http),
    // Built first, so the fibers the client forks while it is built (the deadline watchdog) are watched.
    Layer.provide(superviseDefects)
  )

/** The Node transports the socket tests run on: ours (the one the CLI uses) and the platform's. */
export const transports = [
  ["NodeTransport", NodeTransport.layer],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici]
] as const

/** The client against a running emulator over real sockets (undici). */
export const clientOnEmulator = (
  emu: Emulator.EmulatorHandle,
  options: Partial<VoucherifyConfig.Options> = {},
  transport: Layer.Layer<HttpClient.HttpClient> = NodeTransport.layer
) => clientOn(transport, { apiUrl: emu.url, ...options })

/** Emulator options shared by the suite: known credentials (so leaks can be searched for). */
export const emulatorCredentials = { appId, secretKey, accessTokens: [bearerToken] }

/** Polls `check` every 10 ms until it holds or `withinMillis` passes; returns whether it held. */
export const eventually = (check: Effect.Effect<boolean>, withinMillis: number) =>
  Effect.gen(function* () {
    const deadline = Date.now() + withinMillis
    for (;;) {
      if (yield* check) return true
      if (Date.now() > deadline) return false
      yield* Effect.sleep("10 millis")
    }
  })

/**
 * Asserts the emulator injected at least `floors` of each fault kind, so a test that claims to survive a
 * fault cannot pass because the fault never happened (a change of seed, rate or request count).
 */
export const expectFaults = (
  injected: Readonly<Record<string, number>>,
  floors: Readonly<Partial<Record<string, number>>>
) => {
  const short = Object.entries(floors).filter(([kind, floor]) => (injected[kind] ?? 0) < (floor ?? 0))
  expect(short, `faults injected ${JSON.stringify(injected)}, at least ${JSON.stringify(floors)} expected`).toEqual([])
}

/** A property test's timeout: hundreds of runs, sized for a machine with every core busy (idle: 2-10 s). */
export const propertyTimeout = 180_000

export const report = (name: string, data: Record<string, unknown>) => {
  console.log(`RELIABILITY ${name} ${JSON.stringify(data)}`)
}
