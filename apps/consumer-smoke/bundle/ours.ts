// The bundle-size program for this library (scripts/bundle-budget.mjs): configure the client, `get` one
// action, `awaitCompletion`, on FetchHttpClient.
import { FetchHttpClient } from "@effect/platform"
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { Effect, Layer, Redacted } from "effect"

const MainLive = AsyncActions.layer.pipe(
  Layer.provide(VoucherifyClient.layer({ appId: "app-id", secretKey: Redacted.make("secret-key") })),
  Layer.provide(FetchHttpClient.layer)
)

const program = Effect.gen(function* () {
  const action = yield* AsyncActions.get("aa_0adad3c6a2ca7d1a3a")
  console.log(action.status)
  const done = yield* AsyncActions.awaitCompletion(action.id, { timeout: "10 minutes" })
  console.log(done.result)
})

Effect.runPromise(program.pipe(Effect.provide(MainLive)))
