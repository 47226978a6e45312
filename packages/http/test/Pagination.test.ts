import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Logger, LogLevel, Option, Stream } from "effect"
import * as AsyncActions from "../src/AsyncActions.js"
import { actionJson, clientLayer, listServer, recordSpans, scripted } from "./support.js"

// 230 actions over 60 distinct milliseconds: groups of 1..7 share a created_at, so page boundaries
// fall inside tie groups.
const history = (() => {
  const actions: Array<Record<string, unknown>> = []
  let at = Date.parse("2024-06-01T00:00:00.000Z")
  let n = 0
  while (actions.length < 230) {
    const group = 1 + (n % 7)
    for (let i = 0; i < group && actions.length < 230; i++) {
      actions.push(
        actionJson({ created_at: new Date(at).toISOString(), id: `aa_${(1000 + actions.length).toString(16)}ff` })
      )
    }
    at -= 1 + (n % 3) * 1000
    n += 1
  }
  return actions
})()

const collect = (inclusive: boolean, options: { pageSize?: number; hasMore?: boolean } = {}) =>
  Effect.gen(function* () {
    const server = listServer(history, {
      inclusive,
      ...(options.hasMore === undefined ? {} : { hasMore: options.hasMore })
    })
    const script = scripted((url) => server(url))
    const ids = yield* AsyncActions.stream({ pageSize: options.pageSize ?? 10 }).pipe(
      Stream.map((a) => a.id),
      Stream.runCollect,
      Effect.provide(clientLayer(script))
    )
    return { ids: Chunk.toReadonlyArray(ids), requests: script.requests }
  })

describe("stream (pagination)", () => {
  for (const inclusive of [true, false]) {
    for (const pageSize of [8, 10, 33, 100]) {
      it.effect(
        `returns every id exactly once, newest first (end_date ${inclusive ? "inclusive" : "exclusive"}, page ${pageSize})`,
        () =>
          Effect.gen(function* () {
            const { ids } = yield* collect(inclusive, { pageSize })
            expect(ids).toHaveLength(history.length)
            expect(new Set(ids).size).toBe(history.length)
            expect(new Set(ids)).toEqual(new Set(history.map((a) => a.id)))
          })
      )
    }
  }

  it.effect("sends limit and an end_date in ISO 8601 with milliseconds", () =>
    Effect.gen(function* () {
      const { requests } = yield* collect(false, { pageSize: 50 })
      expect(requests[0]?.url.searchParams.get("limit")).toBe("50")
      expect(requests[0]?.url.searchParams.has("end_date")).toBe(false)
      expect(requests[1]?.url.searchParams.get("end_date")).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    })
  )

  it.effect("stops on a short page when has_more is missing", () =>
    Effect.gen(function* () {
      const { ids, requests } = yield* collect(true, { pageSize: 100, hasMore: false })
      expect(new Set(ids).size).toBe(history.length)
      expect(requests.length).toBeLessThanOrEqual(5)
    })
  )

  it.effect("pulls the next page only when the consumer needs it", () =>
    Effect.gen(function* () {
      const server = listServer(history, { inclusive: false })
      const script = scripted((url) => server(url))
      yield* AsyncActions.stream({ pageSize: 10 }).pipe(
        Stream.take(15),
        Stream.runDrain,
        Effect.provide(clientLayer(script))
      )
      expect(script.requests).toHaveLength(2)
    })
  )

  it.effect("a cursor that stops moving ends with PaginationStalled instead of looping", () =>
    Effect.gen(function* () {
      // 12 actions in the same millisecond and a page size of 5: no end_date can get past them.
      const ties = Array.from({ length: 12 }, (_, i) =>
        actionJson({ id: `aa_tie${i}`, created_at: "2024-01-01T00:00:00.000Z" })
      )
      const server = listServer(ties, { inclusive: true })
      const script = scripted((url) => server(url))
      const error = yield* AsyncActions.stream({ pageSize: 5 }).pipe(
        Stream.runDrain,
        Effect.flip,
        Effect.provide(clientLayer(script))
      )
      expect(error._tag).toBe("PaginationStalled")
      expect(script.requests.length).toBeLessThan(5)
    })
  )

  it.effect("an empty history is an empty stream", () =>
    Effect.gen(function* () {
      const script = scripted(listServer([], { inclusive: false }))
      const all = yield* AsyncActions.stream().pipe(Stream.runCollect, Effect.provide(clientLayer(script)))
      expect(Chunk.size(all)).toBe(0)
    })
  )

  it.effect("respects the caller's end_date on every page", () =>
    Effect.gen(function* () {
      const endDate = String(history[40]?.created_at)
      const server = listServer(history, { inclusive: true })
      const script = scripted((url) => server(url))
      const ids = yield* AsyncActions.stream({ pageSize: 10, endDate }).pipe(
        Stream.map((a) => a.id),
        Stream.runCollect,
        Effect.provide(clientLayer(script))
      )
      const expected = history.filter((a) => Date.parse(String(a.created_at)) <= Date.parse(endDate)).map((a) => a.id)
      expect(new Set(ids)).toEqual(new Set(expected))
      expect(Chunk.size(ids)).toBe(expected.length)
    })
  )

  it.effect("list returns one page with hasMore", () =>
    Effect.gen(function* () {
      const script = scripted(listServer(history, { inclusive: false }))
      const page = yield* AsyncActions.list({ limit: 20 }).pipe(Effect.provide(clientLayer(script)))
      expect(page.asyncActions).toHaveLength(20)
      expect(page.hasMore).toBe(true)
    })
  )

  it.effect("one AsyncActions.stream span over the walk, parent of every page's request; a debug line per page", () =>
    Effect.gen(function* () {
      const { spans, layer } = recordSpans()
      const lines: Array<string> = []
      const logger = Logger.make(({ message, annotations }) => {
        lines.push(`${String(message)} ${JSON.stringify(Object.fromEntries(annotations))}`)
      })
      const server = listServer(history, { inclusive: false })
      const script = scripted((url) => server(url))
      const count = yield* AsyncActions.stream({ pageSize: 100 }).pipe(
        Stream.runCount,
        Effect.provide(clientLayer(script)),
        Effect.provide(layer),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Debug)
      )
      expect(count).toBe(history.length)
      const walk = spans.filter((span) => span.name === "AsyncActions.stream")
      const requests = spans.filter((span) => span.name === "http.client GET")
      expect(walk).toHaveLength(1)
      expect(walk[0]?.status._tag).toBe("Ended")
      expect(requests).toHaveLength(script.requests.length)
      for (const span of requests) {
        expect(Option.map(span.parent, (parent) => parent.spanId)).toStrictEqual(Option.some(walk[0]?.spanId))
      }
      const pageLines = lines.filter((line) => line.startsWith("Voucherify page"))
      expect(pageLines).toHaveLength(script.requests.length)
      expect(pageLines[0]).toContain('"page":1')
    })
  )

  it.effect("invalid input fails the stream's span too, before any request", () =>
    Effect.gen(function* () {
      const { spans, layer } = recordSpans()
      const script = scripted(() => ({ status: 500 }))
      const error = yield* AsyncActions.stream({ pageSize: 0 }).pipe(
        Stream.runCollect,
        Effect.flip,
        Effect.provide(clientLayer(script)),
        Effect.provide(layer)
      )
      expect(error._tag).toBe("InvalidInput")
      expect(script.requests).toHaveLength(0)
      const walk = spans.find((span) => span.name === "AsyncActions.stream")
      expect(walk?.status._tag === "Ended" && walk.status.exit._tag).toBe("Failure")
    })
  )
})
