import { describe, expect, it } from "@effect/vitest"
import { VoucherifyServerSide } from "@voucherify/sdk"
import { Effect, Redacted } from "effect"
import * as Emulator from "../src/Emulator.js"
import { auth, getJson, type Json } from "./helpers.js"

describe("Official @voucherify/sdk against the emulator", () => {
  it.scopedLive("list and get receive exactly the emulator's JSON; 404 surfaces as its VoucherifyError", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 60 })
      const client = VoucherifyServerSide({
        applicationId: emu.appId,
        secretKey: Redacted.value(emu.secretKey),
        apiUrl: emu.url
      })
      const page = yield* Effect.promise(() => client.asyncActions.list({ limit: 15 }))
      const rawPage = yield* Effect.promise(() => getJson(`${emu.url}/v1/async-actions?limit=15`, auth(emu)))
      expect(page).toEqual(rawPage.body)
      const id = rawPage.body.async_actions[3].id
      const action = yield* Effect.promise(() => client.asyncActions.get(id))
      const rawAction = yield* Effect.promise(() => getJson(`${emu.url}/v1/async-actions/${id}`, auth(emu)))
      expect(action).toEqual(rawAction.body)

      const error = (yield* Effect.promise(() =>
        client.asyncActions.get("aa_0000000000000000ff").then(
          () => undefined,
          (e: unknown) => e
        )
      )) as Json
      expect(error).toBeInstanceOf(Error)
      expect(error).toMatchObject({ code: 404, key: "not_found", resource_type: "async_action" })
      expect(error.request_id).toMatch(/^v-/)

      const log = yield* emu.requests
      expect(log.map((e) => [e.path, e.status])).toEqual([
        ["/v1/async-actions", 200],
        ["/v1/async-actions", 200],
        [`/v1/async-actions/${id}`, 200],
        [`/v1/async-actions/${id}`, 200],
        ["/v1/async-actions/aa_0000000000000000ff", 404]
      ])
    })
  )

  it.scopedLive("rate-limit headers reach the SDK's ApiLimitsHandler", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ rateLimitPerMinute: 2 })
      const client = VoucherifyServerSide({
        applicationId: emu.appId,
        secretKey: Redacted.value(emu.secretKey),
        apiUrl: emu.url
      })
      yield* Effect.promise(() => client.asyncActions.list({ limit: 1 }))
      expect(client.apiLimitsHandler.getRateLimit()).toBe(2)
      expect(client.apiLimitsHandler.getRateLimitRemaining()).toBe(1)
      yield* Effect.promise(() => client.asyncActions.list({ limit: 1 }))
      const error = (yield* Effect.promise(() =>
        client.asyncActions.list({ limit: 1 }).then(
          () => undefined,
          (e: unknown) => e
        )
      )) as Json
      expect(error).toMatchObject({ code: 429, message: "Too many requests hit the API too quickly." })
    })
  )
})
