import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Inspectable, Layer, List, Logger, LogLevel, Redacted, Stream, TestClock } from "effect"
import * as AsyncActions from "../src/AsyncActions.js"
import * as PollPolicy from "../src/PollPolicy.js"
import {
  actionJson,
  clientLayer,
  type Reply,
  recordSpans,
  type Script,
  scripted,
  secretKey,
  validId
} from "./support.js"

// What a user's HttpClient middleware may do: log every outgoing request, headers included.
const withRequestLogging = (script: Script): Script => ({
  ...script,
  layer: Layer.effect(
    HttpClient.HttpClient,
    Effect.map(
      HttpClient.HttpClient,
      HttpClient.tapRequest((request) => Effect.logDebug("outgoing request", request))
    )
  ).pipe(Layer.provide(script.layer))
})

const token = "bearer-T0KEN-never-print"

// Records every log line and every span (with its attributes) the client produces.
const recording = () => {
  const lines: Array<string> = []
  const { spans, layer: tracerLayer } = recordSpans()
  const logger = Logger.make(({ message, annotations, cause, spans: logSpans }) => {
    lines.push(Inspectable.format({ message, annotations, cause, spans: List.toArray(logSpans) }))
  })
  return {
    lines,
    spans,
    layer: Layer.mergeAll(
      Logger.replace(Logger.defaultLogger, logger),
      Logger.minimumLogLevel(LogLevel.All),
      tracerLayer
    ),
    rendered: () =>
      [
        ...lines,
        ...spans.map(
          (span) => `${span.name} ${[...span.attributes].map(([key, value]) => `${key}=${String(value)}`).join(" ")}`
        )
      ].join("\n")
  }
}

const replies: ReadonlyArray<Reply> = [
  { status: 401, body: { code: 401, message: "Unauthorized", key: "unauthorized" } },
  { status: 403, body: { code: 403, message: "Forbidden", key: "forbidden" } },
  { status: 404, body: { code: 404, message: "Resource not found", key: "not_found", request_id: "v-1" } },
  { status: 429, headers: { "retry-after": "1" } },
  { status: 500 },
  { status: 200, raw: "{broken" },
  { status: 200, raw: "<html>", headers: { "content-type": "text/html" } },
  { transport: "socket hang up" }
]

describe("secrets", () => {
  for (const auth of ["keys", "bearer"] as const) {
    it.effect(`the ${auth === "keys" ? "secret key" : "bearer token"} never appears in errors, logs or spans`, () =>
      Effect.gen(function* () {
        const record = recording()
        const outputs: Array<string> = []
        for (const reply of replies) {
          const script = scripted(() => reply)
          const layer = clientLayer(
            withRequestLogging(script),
            auth === "keys" ? {} : { appId: undefined, secretKey: undefined, accessToken: Redacted.make(token) }
          )
          const fiber = yield* AsyncActions.get(validId).pipe(
            Effect.flip,
            Effect.provide(layer),
            Effect.provide(record.layer),
            Effect.fork
          )
          yield* TestClock.adjust("5 minutes")
          const error = yield* Fiber.join(fiber)
          outputs.push(error.message, String(error), JSON.stringify(error), Inspectable.format(error.toJSON()))
          // The request really carried the secret: the check below is not vacuous.
          const sent = script.requests[0]?.headers
          expect(auth === "keys" ? sent?.["x-app-token"] : sent?.authorization).toContain(
            auth === "keys" ? secretKey : token
          )
        }
        const script = scripted((_, i) => ({
          status: 200,
          body: actionJson({ id: validId, status: i < 2 ? "IN_PROGRESS" : "DONE", progress: i * 40 })
        }))
        const watched = yield* AsyncActions.watch(validId, { schedule: PollPolicy.fixed("1 second") }).pipe(
          Stream.runCollect,
          Effect.provide(clientLayer(script)),
          Effect.provide(record.layer),
          Effect.fork
        )
        yield* TestClock.adjust("1 minute")
        yield* Fiber.join(watched)
        const everything = [...outputs, record.rendered()].join("\n")
        expect(record.lines.length).toBeGreaterThan(0)
        // Not vacuous: the request headers were logged (the secret one shown redacted), and every attempt
        // has its HTTP client span.
        expect(record.lines.some((line) => line.includes(auth === "keys" ? "x-app-token" : "authorization"))).toBe(true)
        expect(everything).toContain("<redacted>")
        expect(record.spans.some((span) => span.name === "http.client GET")).toBe(true)
        expect(everything).not.toContain(secretKey)
        expect(everything).not.toContain(token)
      })
    )
  }
})
