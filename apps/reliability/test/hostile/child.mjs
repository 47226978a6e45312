// One `get` through the built client, in its own process: prints the outcome and the process's RSS before
// the request and at its peak (sampled every 5 ms, and the kernel's max RSS), as JSON on stdout.
import { FetchHttpClient } from "@effect/platform"
import { AsyncActionId } from "@voucherify-effect/core"
import { AsyncActions, RetryPolicy, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Layer } from "effect"

const [url, transport, id] = process.argv.slice(2)
const layer = AsyncActions.layer.pipe(
  Layer.provide(VoucherifyClient.layerConfig(undefined, { apiUrl: url })),
  Layer.provide(transport === "node" ? NodeTransport.layer : FetchHttpClient.layer)
)
// Warm up the modules and the runtime so the baseline includes them.
await Effect.runPromise(Effect.void.pipe(Effect.provide(layer), Effect.either))
globalThis.gc?.()
const baselineRss = process.memoryUsage().rss
let peakRss = baselineRss
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}, 5)
const started = performance.now()
const outcome = await Effect.runPromise(
  AsyncActions.get(AsyncActionId.make(id)).pipe(
    RetryPolicy.withPolicy(process.env.HOSTILE_DEFAULT_POLICY === "1" ? RetryPolicy.defaultPolicy : RetryPolicy.make()),
    Effect.provide(layer),
    Effect.either
  )
)
const elapsedMs = Math.round(performance.now() - started)
clearInterval(sampler)
peakRss = Math.max(peakRss, process.memoryUsage().rss)
const error = outcome._tag === "Left" ? outcome.left : undefined
process.stdout.write(
  JSON.stringify({
    tag: error?._tag ?? "Success",
    reason: error?.reason,
    message: error?.message ?? "",
    baselineRss,
    peakRss,
    elapsedMs
  })
)
process.exit(0)
