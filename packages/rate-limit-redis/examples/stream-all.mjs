// Streams every async action of the project under the rate limit the environment asks for: with
// VOUCHERIFY_RATE_LIMIT and VOUCHERIFY_RATE_LIMIT_REDIS_URL, one budget shared by every process started this way.
// Run several at once (see the README of @voucherify-effect/http, "Several processes, one budget").
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { RedisRateLimit } from "@voucherify-effect/rate-limit-redis"
import { Effect, Layer, Stream } from "effect"

const Live = AsyncActions.layer.pipe(
  Layer.provideMerge(VoucherifyClient.layerConfig()),
  Layer.provideMerge(RedisRateLimit.layerConfig()),
  Layer.provide(NodeTransport.layer)
)

const program = AsyncActions.stream({ pageSize: 10 }).pipe(
  Stream.runCount,
  Effect.tap((count) => Effect.log(`streamed ${count} actions`))
)

Effect.runPromise(Effect.provide(program, Live)).catch((error) => {
  console.error(String(error))
  process.exitCode = 1
})
