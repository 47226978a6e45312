// Hostile responses: whatever a server (or a proxy in front of it) answers — any status, any body, any
// header — every outcome is a success or one of the library's typed errors: never a defect, never an
// unhandled rejection, never a polluted prototype.
import * as Http from "node:http"
import * as Zlib from "node:zlib"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { AsyncActions, PollPolicy, RetryPolicy } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Exit, Stream } from "effect"
import fc from "fast-check"
import {
  captureLogs,
  classify,
  clientOn,
  fastRetries,
  figures,
  leaks,
  logLines,
  propertyTimeout,
  type Reply,
  rejections,
  report,
  scripted
} from "./support.js"

const id = "aa_0afb3d009a55814a48"
const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, "")

const validAction = {
  id,
  type: "VOUCHERS.IMPORT",
  status: "DONE",
  result: { message: "ok", failed: [], done_count: 1, failed_count: 0 },
  created_at: "2025-06-30T12:00:00.000Z",
  updated_at: "2025-06-30T12:00:01.000Z",
  request_id: "v-0afb3d009a55814a48",
  processing_time: 1000,
  progress: 100,
  object: "async_action"
}

const nasty = fc.constantFrom<unknown>(
  null,
  "",
  "\u0000",
  "\ud800",
  "aa_\u202e",
  -1,
  Number.MAX_VALUE,
  Number.MAX_SAFE_INTEGER + 2,
  -0,
  [],
  {},
  "9999-99-99T99:99:99Z",
  "2025-02-30T00:00:00.000Z",
  "+275760-09-13T00:00:00.000Z",
  "x".repeat(100_000),
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  "DONE ",
  "done"
)
const anyValue = fc.oneof(fc.jsonValue(), nasty)

// An action with each field either valid, missing, or hostile.
const actionArb = fc
  .record(
    Object.fromEntries(
      Object.entries(validAction).map(([key, value]) => [key, fc.oneof(fc.constant(value), anyValue)])
    ),
    { requiredKeys: [] }
  )
  .chain((action) =>
    fc.record({ action: fc.constant(action), extra: fc.dictionary(fc.string(), anyValue, { maxKeys: 3 }) })
  )
  .map(({ action, extra }) => ({ ...extra, ...action }))

const deep = (depth: number, open: string, close: string) => open.repeat(depth) + close.repeat(depth)

const bodyArb: fc.Arbitrary<string> = fc.oneof(
  fc.constant(""),
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  actionArb.map((a) => JSON.stringify(a)),
  fc
    .record(
      {
        object: fc.oneof(fc.constant("list"), anyValue),
        data_ref: fc.oneof(fc.constant("async_actions"), anyValue),
        async_actions: fc.oneof(fc.array(actionArb, { maxLength: 5 }), anyValue),
        has_more: fc.oneof(fc.boolean(), anyValue)
      },
      { requiredKeys: [] }
    )
    .map((page) => JSON.stringify(page)),
  fc
    .record(
      { code: anyValue, message: anyValue, key: anyValue, details: anyValue, request_id: anyValue },
      {
        requiredKeys: []
      }
    )
    .map((e) => JSON.stringify(e)),
  // Nesting up to 64 levels here; deeper nesting is the known bug below.
  fc.integer({ min: 1, max: 64 }).map((n) => deep(n, "[", "]")),
  fc.integer({ min: 1, max: 64 }).map((n) => `{"async_actions":${deep(n, "[", "]")}}`),
  fc.integer({ min: 1, max: 64 }).map((n) => `{"code":400,"message":${'{"a":'.repeat(n)}1${"}".repeat(n)}}`),
  fc.constant(`{"id":"${id}","status":"DONE","created_at":"${"9".repeat(200_000)}"}`),
  fc.constant(JSON.stringify(validAction).slice(0, 40)),
  fc.constant("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>")
)

const headerValue = fc.oneof(
  fc.string().map(printable),
  fc.constantFrom(
    "-1",
    "0",
    "0.001",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    " 1 ",
    "1, 2"
  )
)
const headersArb = fc.record(
  {
    "content-type": fc.oneof(
      fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "application/problem+json",
        "APPLICATION/JSON",
        "application/jsonx",
        "text/html",
        "text/plain",
        "",
        "application/json; charset=utf-16"
      ),
      fc.string().map(printable)
    ),
    "retry-after": headerValue,
    "x-rate-limit-retry": headerValue,
    "x-rate-limit-remaining": headerValue,
    "x-rate-limit-limit": headerValue,
    "x-rate-limit-type": headerValue
  },
  { requiredKeys: [] }
)

const statusArb = fc.oneof(
  fc.constantFrom(200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 402, 403, 404, 405, 408, 409, 413, 418, 429, 500),
  fc.constantFrom(502, 503, 504, 599),
  fc.integer({ min: 200, max: 599 })
)

const validReply = fc
  .record({ extra: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), list: fc.boolean() })
  .map(({ extra, list }) => ({
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(
      list
        ? {
            object: "list",
            data_ref: "async_actions",
            async_actions: [{ ...extra, ...validAction, result: undefined }],
            has_more: false
          }
        : { ...extra, ...validAction }
    )
  }))

const replyArb: fc.Arbitrary<Reply> = fc.oneof(
  { weight: 3, arbitrary: validReply },
  { weight: 12, arbitrary: fc.record({ status: statusArb, body: bodyArb, headers: headersArb }) },
  { weight: 1, arbitrary: fc.string().map((transport) => ({ transport })) }
)

type Operation = "get" | "list" | "stream" | "await"
const operations: ReadonlyArray<Operation> = ["get", "list", "stream", "await"]

const program = (operation: Operation): Effect.Effect<unknown, unknown, AsyncActions.AsyncActions> =>
  operation === "get"
    ? AsyncActions.get(id)
    : operation === "list"
      ? AsyncActions.list({ limit: 10 })
      : operation === "stream"
        ? AsyncActions.stream({ pageSize: 10 }).pipe(Stream.take(200), Stream.runCount)
        : AsyncActions.awaitCompletion(id, { schedule: PollPolicy.fixed("1 millis"), timeout: "150 millis" })

const run = (operation: Operation, replies: ReadonlyArray<Reply>) => {
  const script = scripted(replies)
  return program(operation).pipe(
    RetryPolicy.withPolicy(fastRetries(2)),
    Effect.provide(clientOn(script.layer, { requestTimeout: "2 seconds" })),
    Effect.provide(captureLogs),
    Effect.exit,
    Effect.map((exit) => ({ exit, requests: script.requests.length }))
  )
}

// ---- the same replies over a real socket, to NodeTransport ---------------------------------------------------

type Encoding = "gzip" | "br" | "deflate" | "identity"
const encoders: Record<Encoding, (body: Buffer) => Buffer> = {
  gzip: (body) => Zlib.gzipSync(body),
  br: (body) => Zlib.brotliCompressSync(body),
  deflate: (body) => Zlib.deflateSync(body),
  identity: (body) => body
}

/**
 * A reply on the wire: `encoding` is the `content-encoding` header sent (if any), `compressWith` how the
 * body is really encoded — as declared, or not at all, or gzip under another (or no) declaration.
 */
type WireReply =
  | { readonly transport: string }
  | {
      readonly status: number
      readonly body: string
      readonly headers: Record<string, string>
      readonly encoding: Encoding | undefined
      readonly compressWith: Encoding
    }

const wireReplyArb: fc.Arbitrary<WireReply> = fc
  .record({
    reply: replyArb,
    encoding: fc.option(fc.constantFrom<Encoding>("gzip", "br", "deflate", "identity"), { nil: undefined }),
    honesty: fc.constantFrom("as declared", "as declared", "raw", "gzip")
  })
  .map(({ reply, encoding, honesty }): WireReply => {
    if ("transport" in reply) return { transport: reply.transport }
    if ("hang" in reply) return { transport: "hang is not generated" }
    const compressWith: Encoding =
      honesty === "raw" ? "identity" : honesty === "gzip" ? "gzip" : (encoding ?? "identity")
    return {
      status: reply.status,
      body: reply.body ?? "",
      headers: { ...reply.headers, ...(encoding === undefined ? {} : { "content-encoding": encoding }) },
      encoding,
      compressWith
    }
  })

/** A node:http server on loopback that answers each request with the next reply (cycling). */
const replayer = () => {
  let replies: ReadonlyArray<WireReply> = []
  let served = 0
  const counts = { requests: 0, compressedBodies: 0, resets: 0, byEncoding: {} as Record<string, number> }
  const server = Http.createServer((request, response) => {
    request.resume()
    const reply = replies[served++ % replies.length]
    counts.requests++
    if (reply === undefined || "transport" in reply) {
      counts.resets++
      request.socket.destroy()
      return
    }
    const raw = Buffer.from(reply.body)
    const body = encoders[reply.compressWith](raw)
    if (reply.compressWith !== "identity" && raw.length > 0) counts.compressedBodies++
    const key = `${reply.encoding ?? "none"}→${reply.compressWith}`
    counts.byEncoding[key] = (counts.byEncoding[key] ?? 0) + 1
    response.writeHead(reply.status, reply.headers)
    response.end(body)
  })
  return Effect.acquireRelease(
    Effect.async<{ readonly url: string }>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const address = server.address() as { port: number }
        resume(Effect.succeed({ url: `http://127.0.0.1:${address.port}` }))
      })
    }),
    () =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(
    Effect.map(({ url }) => ({
      url,
      counts,
      serve: (next: ReadonlyArray<WireReply>) => {
        replies = next
        served = 0
      }
    }))
  )
}

const socketStats = { runs: 0, successes: 0, typedFailures: 0, requests: 0, compressedBodies: 0 }

describe("hostile responses over a real socket (NodeTransport)", () => {
  for (const operation of operations) {
    it.scopedLive(
      `${operation}: any status, header, body or content-encoding is a success or a typed error`,
      () =>
        Effect.gen(function* () {
          const server = yield* replayer()
          const layer = clientOn(NodeTransport.layer, { apiUrl: server.url, requestTimeout: "2 seconds" })
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(fc.array(wireReplyArb, { minLength: 1, maxLength: 4 }), async (replies) => {
                server.serve(replies)
                const exit = await Effect.runPromiseExit(
                  program(operation).pipe(
                    RetryPolicy.withPolicy(fastRetries(2)),
                    Effect.provide(layer),
                    Effect.provide(captureLogs)
                  )
                )
                socketStats.runs++
                if (Exit.isSuccess(exit)) socketStats.successes++
                else socketStats.typedFailures++
                const problem = classify(exit)
                if (problem !== undefined) stats.problems.push(`socket ${operation}: ${problem}`)
                expect(problem).toBeUndefined()
                expect(({} as Record<string, unknown>).polluted).toBeUndefined()
              }),
              { numRuns: operation === "await" ? 40 : 120, seed: 20251201 + operations.indexOf(operation) }
            )
          )
          socketStats.requests += server.counts.requests
          socketStats.compressedBodies += server.counts.compressedBodies
          report(`hostileResponses.socket.${operation}`, server.counts)
          // The generators reached the wire: requests were served, compressed bodies among them, some
          // connections reset, and some outcomes were successes (the property is not all refusals).
          expect(server.counts.requests).toBeGreaterThanOrEqual(operation === "await" ? 40 : 120)
          expect(server.counts.compressedBodies).toBeGreaterThanOrEqual(operation === "await" ? 5 : 20)
          expect(server.counts.resets).toBeGreaterThanOrEqual(1)
        }),
      propertyTimeout
    )
  }

  it.scopedLive("a valid action, served plain, decodes to a success over the socket", () =>
    Effect.gen(function* () {
      const server = yield* replayer()
      server.serve([
        {
          status: 200,
          body: JSON.stringify(validAction),
          headers: { "content-type": "application/json" },
          encoding: undefined,
          compressWith: "identity"
        }
      ])
      const action = yield* AsyncActions.get(id).pipe(
        Effect.provide(clientOn(NodeTransport.layer, { apiUrl: server.url })),
        Effect.provide(captureLogs)
      )
      expect(action.id).toBe(id)
    })
  )
})

const stats = { runs: 0, requests: 0, problems: [] as Array<string> }
const deepNestingDefects: Array<string> = []

describe("hostile responses", () => {
  for (const operation of operations) {
    it(`${operation}: every outcome is a success or a typed error`, { timeout: propertyTimeout }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(replyArb, { minLength: 1, maxLength: 4 }), async (replies) => {
          const { exit, requests } = await Effect.runPromise(run(operation, replies))
          stats.runs++
          stats.requests += requests
          const problem = classify(exit)
          if (problem !== undefined) stats.problems.push(`${operation}: ${problem}`)
          expect(problem).toBeUndefined()
          expect(({} as Record<string, unknown>).polluted).toBeUndefined()
        }),
        { numRuns: operation === "await" ? 80 : 250, seed: 20250630 + operations.indexOf(operation) }
      )
    })
  }

  // Found by this suite: formatting the ParseError of a body nested thousands of levels deep overflowed
  // the stack (a defect instead of InvalidResponse). Fixed in core's `invalidResponse`; kept as a guard.
  for (const [name, body] of [
    ["a bare array", deep(5000, "[", "]")],
    ["async_actions", `{"async_actions":${deep(5000, "[", "]")}}`]
  ] as const) {
    it(`a 200 body nested 5 000 deep (${name}) is a typed InvalidResponse, not a defect`, async () => {
      const { exit } = await Effect.runPromise(
        run("list", [{ status: 200, body, headers: { "content-type": "application/json" } }])
      )
      const problem = classify(exit)
      if (problem !== undefined) deepNestingDefects.push(`${name}: ${problem.slice(0, 80)}`)
      expect(problem).toBeUndefined()
    })
  }

  it("a 4xx body nested 5 000 deep is still a typed error", async () => {
    const { exit } = await Effect.runPromise(
      run("get", [{ status: 400, body: `{"code":400,"message":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}` }])
    )
    expect(classify(exit)).toBeUndefined()
  })

  it("a body that is valid decodes to a success", async () => {
    const { exit } = await Effect.runPromise(
      run("get", [{ status: 200, body: JSON.stringify(validAction), headers: { "content-type": "application/json" } }])
    )
    expect(exit._tag).toBe("Success")
  })

  afterAll(() => {
    const leaked = logLines.filter(leaks).length
    report("hostileResponses", {
      runs: stats.runs,
      requestsServed: stats.requests,
      exits: figures.exits,
      successes: figures.successes,
      typedFailures: figures.typedFailures,
      defects: figures.defects,
      problems: stats.problems.slice(0, 5),
      deepNestingDefects,
      socket: socketStats,
      unhandledRejections: rejections.length,
      logLines: logLines.length,
      logLinesWithSecrets: leaked,
      errorRenderingsChecked: figures.errorTexts
    })
    expect(rejections).toHaveLength(0)
    expect(leaked).toBe(0)
  })
})
