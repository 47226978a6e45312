// A scripted HttpClient for unit tests: no sockets, every request recorded, responses chosen by a
// handler. Time-based behaviour is driven with TestClock by the tests themselves.
import { HttpClient, HttpClientError, type HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { AsyncActionId } from "@voucherify-effect/core"
import { Effect, Layer, Redacted, Tracer } from "effect"
import * as AsyncActions from "../src/AsyncActions.js"
import * as VoucherifyClient from "../src/VoucherifyClient.js"

export const secretKey = "sk_test_S3CR3T-VALUE-never-print"
export const appId = "app-123"

export interface Recorded {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  /** The request body as text ("" for none). */
  readonly body: string
  readonly at: number
}

export type Reply =
  | {
      readonly status: number
      readonly body?: unknown
      readonly headers?: Record<string, string>
      readonly raw?: string
    }
  | { readonly transport: string }
  | { readonly hang: true }

export interface Script {
  readonly requests: Array<Recorded>
  readonly layer: Layer.Layer<HttpClient.HttpClient>
}

export const scripted = (handler: (url: URL, index: number) => Reply | Effect.Effect<Reply>): Script => {
  const requests: Array<Recorded> = []
  const client = HttpClient.make((request: HttpClientRequest.HttpClientRequest, url, signal) =>
    Effect.gen(function* () {
      const at = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      const sent = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
      requests.push({ method: request.method, url, headers: { ...request.headers }, body: sent, at })
      const produced = handler(url, requests.length - 1)
      const reply = Effect.isEffect(produced) ? yield* produced : produced
      if ("transport" in reply) {
        return yield* new HttpClientError.RequestError({ request, reason: "Transport", description: reply.transport })
      }
      // A server that never answers: like every @effect/platform client, give up when the signal aborts.
      if ("hang" in reply) {
        return yield* Effect.async<never, HttpClientError.RequestError>((resume) => {
          const abort = () =>
            resume(
              Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", description: "aborted" }))
            )
          if (signal.aborted) abort()
          else signal.addEventListener("abort", abort, { once: true })
        })
      }
      const body = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body))
      return HttpClientResponse.fromWeb(
        request,
        new Response(reply.status === 204 ? null : body, {
          status: reply.status,
          headers: { "content-type": "application/json; charset=utf-8", ...reply.headers }
        })
      )
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

// Scripted servers answer one action by id, so waits poll per id here; the shared poller's tests run on the
// emulator (packages/testing/test/SharedPoller.test.ts), whose list endpoint is real.
export const clientLayer = (
  script: Script,
  options: Partial<Parameters<typeof VoucherifyClient.layer>[0]> = {},
  polling: AsyncActions.Polling = "per-id"
) =>
  AsyncActions.layerWith({ polling }).pipe(
    Layer.provideMerge(
      VoucherifyClient.layer({
        apiUrl: "https://api.voucherify.io",
        appId,
        secretKey: Redacted.make(secretKey),
        ...options
      })
    ),
    Layer.provide(script.layer)
  )

let counter = 0
export const actionJson = (overrides: Record<string, unknown> = {}): Record<string, unknown> => {
  counter += 1
  return {
    id: `aa_${counter.toString(16).padStart(18, "0")}`,
    type: "VOUCHERS.IMPORT",
    status: "DONE",
    created_at: "2024-05-01T10:00:00.000Z",
    updated_at: "2024-05-01T10:00:01.000Z",
    request_id: "v-0c5559be25c418824a",
    progress: 100,
    processing_time: 1000,
    object: "async_action",
    ...overrides
  }
}

export const validId = AsyncActionId.make("aa_0c5559be44d7b63c06")

/** A fake list endpoint over a fixed history, with either reading of `end_date`. */
export const listServer = (
  actions: ReadonlyArray<Record<string, unknown>>,
  options: { readonly inclusive: boolean; readonly hasMore?: boolean }
) => {
  const sorted = [...actions].sort((a, b) => {
    const byDate = Date.parse(String(b.created_at)) - Date.parse(String(a.created_at))
    return byDate !== 0 ? byDate : String(b.id).localeCompare(String(a.id))
  })
  return (url: URL): Reply => {
    const limit = Number(url.searchParams.get("limit") ?? 10)
    const endDate = url.searchParams.get("end_date")
    const end = endDate === null ? Number.POSITIVE_INFINITY : Date.parse(endDate)
    const matching = sorted.filter((a) => {
      const at = Date.parse(String(a.created_at))
      return options.inclusive ? at <= end : at < end
    })
    const page = matching.slice(0, limit)
    return {
      status: 200,
      body: {
        object: "list",
        data_ref: "async_actions",
        async_actions: page,
        ...(options.hasMore === false ? {} : { has_more: matching.length > limit })
      }
    }
  }
}

/** A tracer that records every span it starts (on top of the default one). */
export const recordSpans = () => {
  const spans: Array<Tracer.Span> = []
  const layer = Layer.unwrapEffect(
    Effect.map(Effect.tracer, (base) =>
      Layer.setTracer(
        Tracer.make({
          span: (...args) => {
            const span = base.span(...args)
            spans.push(span)
            return span
          },
          context: base.context
        })
      )
    )
  )
  return { spans, layer }
}
