/**
 * The real `AsyncActions` client wired to an in-memory emulator: no sockets, and time follows Effect's
 * `Clock`, so a test can await a 30-minute import under `TestClock` in milliseconds.
 *
 * @since 0.1.0
 */
import type { VoucherifyError } from "@voucherify-effect/core"
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { Effect, Layer } from "effect"
import * as InMemory from "./InMemory.js"

/**
 * `AsyncActions`, the `VoucherifyClient` under it and the `InMemoryEmulator` handle (to create actions,
 * inject faults and read the request log), all backed by one fresh in-memory emulator.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: InMemory.InMemoryOptions = {}
): Layer.Layer<
  AsyncActions.AsyncActions | VoucherifyClient.VoucherifyClient | InMemory.InMemoryEmulator,
  InMemory.EmulatorStartError | VoucherifyError.InvalidConfig
> => {
  const client = Layer.unwrapEffect(
    Effect.map(InMemory.InMemoryEmulator, (emulator) =>
      // Any host reaches the in-memory router; a loopback one satisfies the client's https rule.
      VoucherifyClient.layer({ apiUrl: "http://127.0.0.1", appId: emulator.appId, secretKey: emulator.secretKey })
    )
  )
  return AsyncActions.layer.pipe(Layer.provideMerge(client), Layer.provideMerge(InMemory.layer(options)))
}
