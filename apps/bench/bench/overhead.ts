/**
 * Diagnosis helper, not part of `pnpm bench`: the library's CPU cost per `get`, without a network. An
 * in-memory HttpClient answers every request with the same GET-by-id body, and each layer of what
 * `VoucherifyClient.get` does is added one at a time, so the cost of each can be read off: first through
 * `HttpClient.execute` with a web `Response` (the path of every transport but NodeTransport), then through
 * a `BufferedGet` shortcut answering from memory (NodeTransport's path).
 *   tsx bench/overhead.ts            (ONLY=<name prefix> runs one variant, e.g. for --cpu-prof; N calls each)
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { AsyncAction, BufferedGet } from "@voucherify-effect/core"
import { AsyncActions, RateLimit, VoucherifyClient } from "@voucherify-effect/http"
import { Context, Effect, Layer, ManagedRuntime, Redacted, Schema, Scope } from "effect"

const body = JSON.stringify({
  id: "aa_0a1b2c3d4e5f60718293",
  type: "VOUCHERS.IMPORT",
  status: "DONE",
  result: { message: "2 vouchers imported", failed: [], done_count: 2, failed_count: 0 },
  created_at: "2025-06-30T11:59:58.123Z",
  updated_at: "2025-06-30T11:59:59.001Z",
  request_id: "v-0a1b2c3d4e5f607182",
  processing_time: 878,
  progress: 100,
  object: "async_action"
})
const http = HttpClient.make((request) =>
  Effect.succeed(
    HttpClientResponse.fromWeb(
      request,
      new Response(body, { status: 200, headers: { "content-type": "application/json; charset=utf-8" } })
    )
  )
)
const httpLayer = Layer.succeed(HttpClient.HttpClient, http)
const url = "https://api.voucherify.io/v1/async-actions/aa_0a1b2c3d4e5f60718293"
const N = Number(process.env.N ?? 20_000)

const layer = AsyncActions.layer.pipe(
  Layer.provideMerge(
    VoucherifyClient.layer({ apiUrl: "https://api.voucherify.io", appId: "app", secretKey: Redacted.make("sk") })
  ),
  Layer.provideMerge(httpLayer)
)
const runtime = ManagedRuntime.make(layer)
const plainDecode = Schema.decodeUnknownEither(AsyncAction.AsyncAction)

const quiet = HttpClient.withTracerDisabledWhen(http, () => true)
const scopedQuiet = HttpClient.withScope(quiet)
const request = HttpClientRequest.get(url)
// A request scope left unclosed after success, as `VoucherifyClient` does.
const inRequestScope = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) =>
  Effect.flatMap(Scope.make(), (scope) => Effect.provideService(effect, Scope.Scope, scope))

const variants: ReadonlyArray<
  readonly [string, Effect.Effect<unknown, unknown, AsyncActions.AsyncActions | VoucherifyClient.VoucherifyClient>]
> = [
  ["new Response + text + JSON.parse (no Effect)", Effect.promise(() => new Response(body).text().then(JSON.parse))],
  ["HttpClient.execute + text", Effect.scoped(Effect.flatMap(http.execute(request), (r) => r.text))],
  ["  platform span off", Effect.flatMap(quiet.execute(request), (r) => r.text)],
  ["  + withScope, request scope", inRequestScope(Effect.flatMap(scopedQuiet.execute(request), (r) => r.text))],
  [
    "  + core fast decode",
    inRequestScope(Effect.flatMap(scopedQuiet.execute(request), (r) => Effect.map(r.text, AsyncAction.decodeJson)))
  ],
  [
    "  + a span",
    Effect.withSpan(
      Effect.flatMap(quiet.execute(request), (r) => r.text),
      "x",
      { captureStackTrace: false }
    )
  ],
  ["a RateLimit permit alone", Effect.flatMap(RateLimit.make(), (limiter) => limiter.withPermit(Effect.void))],
  ["plain Schema decode of the body alone", Effect.sync(() => plainDecode(JSON.parse(body)))],
  ["core fast decode of the body alone", Effect.sync(() => AsyncAction.decodeJson(body))],
  [
    "VoucherifyClient.get",
    Effect.flatMap(VoucherifyClient.VoucherifyClient, (c) =>
      c.get({ path: "/v1/async-actions/aa_0a1b2c3d4e5f60718293", decode: AsyncAction.decodeJson })
    )
  ],
  ["AsyncActions.get (as shipped)", AsyncActions.get("aa_0a1b2c3d4e5f60718293")]
]

// NodeTransport's path: the same answer from a `BufferedGet` shortcut, in memory.
const answer: BufferedGet.Answer = {
  status: 200,
  headers: { "content-type": "application/json; charset=utf-8" },
  body: { _tag: "Read", text: body }
}
const shortcut: BufferedGet.BufferedGet = () => Promise.resolve(answer)
const shortcutRuntime = ManagedRuntime.make(
  AsyncActions.layer.pipe(
    Layer.provideMerge(
      VoucherifyClient.layer({ apiUrl: "https://api.voucherify.io", appId: "app", secretKey: Redacted.make("sk") })
    ),
    Layer.provideMerge(
      Layer.succeed(
        HttpClient.HttpClient,
        Object.assign(
          HttpClient.make(() => Effect.die("unused")),
          { [BufferedGet.TypeId]: shortcut }
        )
      )
    )
  )
)
const clientGet = Effect.flatMap(VoucherifyClient.VoucherifyClient, (c) =>
  c.get({ path: "/v1/async-actions/aa_0a1b2c3d4e5f60718293", decode: AsyncAction.decodeJson })
)
const shortcutVariants: ReadonlyArray<
  readonly [string, Effect.Effect<unknown, unknown, AsyncActions.AsyncActions | VoucherifyClient.VoucherifyClient>]
> = [
  [
    "BufferedGet in Effect.async + core fast decode (no client)",
    Effect.async<unknown>((resume) => {
      shortcut({
        origin: "",
        path: "",
        headers: {},
        signal: new BufferedGet.Abort(),
        maxResponseBytes: 1,
        context: Context.empty()
      }).then((a) => resume(Effect.succeed(AsyncAction.decodeJson(a.body._tag === "Read" ? a.body.text : ""))))
    })
  ],
  ["VoucherifyClient.get on BufferedGet", clientGet],
  ["  tracing off (its request span)", Effect.withTracerEnabled(clientGet, false)],
  ["AsyncActions.get on BufferedGet (as shipped on NodeTransport)", AsyncActions.get("aa_0a1b2c3d4e5f60718293")],
  ["  tracing off (its two spans)", Effect.withTracerEnabled(AsyncActions.get("aa_0a1b2c3d4e5f60718293"), false)]
]

const measure = async (
  run: ManagedRuntime.ManagedRuntime<AsyncActions.AsyncActions | VoucherifyClient.VoucherifyClient, unknown>,
  list: typeof variants
) => {
  await run.runPromise(Effect.void)
  for (const [name, effect] of list.filter(([n]) => process.env.ONLY === undefined || n.startsWith(process.env.ONLY))) {
    const loop = Effect.repeatN(effect, N - 1)
    await run.runPromise(Effect.repeatN(effect, 999))
    // Client CPU, not wall time: on a shared, loaded machine wall time mostly measures the other tenants.
    const start = process.cpuUsage()
    await run.runPromise(loop)
    const used = process.cpuUsage(start)
    console.log(`${((used.user + used.system) / N).toFixed(1).padStart(7)} µs/call (CPU)  ${name}`)
  }
}
await measure(runtime, variants)
await measure(shortcutRuntime, shortcutVariants)
await runtime.dispose()
await shortcutRuntime.dispose()
