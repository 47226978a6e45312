/**
 * Diagnosis helper, not part of `pnpm bench`: the library's CPU cost per `get`, without a network. An
 * in-memory HttpClient answers every request with the same GET-by-id body, and each layer of what
 * `VoucherifyClient.get` does is added one at a time, so the cost of each can be read off.
 *   tsx bench/overhead.ts
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { AsyncAction, VoucherifyError } from "@voucherify-effect/core"
import { AsyncActions, RateLimit, RetryPolicy, VoucherifyClient } from "@voucherify-effect/http"
import { Effect, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import { now } from "./stats.js"

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

const variants: ReadonlyArray<
  readonly [string, Effect.Effect<unknown, unknown, AsyncActions.AsyncActions | VoucherifyClient.VoucherifyClient>]
> = [
  ["new Response + text + JSON.parse (no Effect)", Effect.promise(() => new Response(body).text().then(JSON.parse))],
  ["HttpClient.execute + text", Effect.scoped(Effect.flatMap(http.execute(HttpClientRequest.get(url)), (r) => r.text))],
  [
    "+ withScope + scoped + timeoutFail",
    Effect.scoped(Effect.flatMap(HttpClient.withScope(http).execute(HttpClientRequest.get(url)), (r) => r.text)).pipe(
      Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => "timeout" })
    )
  ],
  [
    "+ retry(defaultPolicy)",
    Effect.scoped(Effect.flatMap(HttpClient.withScope(http).execute(HttpClientRequest.get(url)), (r) => r.text)).pipe(
      Effect.mapError((error) => new VoucherifyError.TransportError({ method: "GET", path: "/", reason: error._tag })),
      Effect.timeoutFail({
        duration: "30 seconds",
        onTimeout: () => new VoucherifyError.RequestTimeout({ method: "GET", path: "/", timeoutMillis: 1 })
      }),
      Effect.retry(RetryPolicy.defaultPolicy)
    )
  ],
  ["+ a RateLimit permit", Effect.flatMap(RateLimit.make(), (limiter) => limiter.withPermit(Effect.void))],
  ["plain Schema decode of the body alone", Effect.sync(() => plainDecode(JSON.parse(body)))],
  ["core fast decode of the body alone", Effect.sync(() => AsyncAction.decodeUnknownEither(JSON.parse(body)))],
  [
    "VoucherifyClient.get",
    Effect.flatMap(VoucherifyClient.VoucherifyClient, (c) =>
      c.get({ path: "/v1/async-actions/aa_0a1b2c3d4e5f60718293", decode: AsyncAction.decodeJson })
    )
  ],
  ["AsyncActions.get (as shipped)", AsyncActions.get("aa_0a1b2c3d4e5f60718293")]
]

await runtime.runPromise(Effect.void)
for (const [name, effect] of variants) {
  const loop = Effect.repeatN(effect, N - 1)
  await runtime.runPromise(Effect.repeatN(effect, 999))
  const start = now()
  await runtime.runPromise(loop)
  console.log(`${(((now() - start) * 1000) / N).toFixed(1).padStart(7)} µs/call  ${name}`)
}
await runtime.dispose()
