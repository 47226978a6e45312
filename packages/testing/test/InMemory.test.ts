import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Redacted, TestClock } from "effect"
import * as InMemory from "../src/InMemory.js"
import { contract, type Json } from "./helpers.js"

const withAuth = (emu: InMemory.InMemoryHandle) =>
  HttpClientRequest.setHeaders({ "X-App-Id": emu.appId, "X-App-Token": Redacted.value(emu.secretKey) })

describe("InMemory HttpClient (TestClock)", () => {
  it.effect("serves the same router in-process; lifecycle follows the TestClock", () =>
    Effect.gen(function* () {
      const emu = yield* InMemory.InMemoryEmulator
      const client = yield* HttpClient.HttpClient
      const created = yield* emu.createAction({
        type: "PRODUCTS.BULK_UPDATE",
        startAfterMillis: 1000,
        durationMillis: 1000
      })
      const get = client
        .execute(withAuth(emu)(HttpClientRequest.get(`https://api.voucherify.io/v1/async-actions/${created.id}`)))
        .pipe(Effect.flatMap((r) => r.json))
      const first = (yield* get) as Json
      contract.get(first)
      expect(first.status).toBe("ENQUEUED")
      yield* TestClock.adjust("1500 millis")
      expect(((yield* get) as Json).progress).toBe(50)
      yield* TestClock.adjust("1 second")
      const done = (yield* get) as Json
      contract.get(done)
      expect(done).toMatchObject({ status: "DONE", operation_status: "SUCCESS", processing_time: 2000 })

      const unauthorized = yield* client.get(`${InMemory.url}/v1/async-actions`)
      expect(unauthorized.status).toBe(401)
      expect(unauthorized.headers["content-type"]).toBe("application/json; charset=utf-8")
      const page = (yield* client
        .execute(withAuth(emu)(HttpClientRequest.get(`${InMemory.url}/v1/async-actions?limit=100`)))
        .pipe(Effect.flatMap((r) => r.json))) as Json
      contract.list(page)
      expect(page.async_actions).toHaveLength(21)

      const started = yield* client.execute(
        withAuth(emu)(HttpClientRequest.post(`${InMemory.url}/v1/customers/bulk/async`)).pipe(
          HttpClientRequest.bodyUnsafeJson([{ source_id: "a" }, { source_id: "b" }])
        )
      )
      expect(started.status).toBe(202)
      contract.accepted(yield* started.json)
      expect((yield* emu.requests).map((e) => e.status)).toEqual([200, 200, 200, 401, 200, 202])
    }).pipe(Effect.provide(InMemory.layer({ seed: 20 })))
  )

  it.effect("socket faults become a Transport RequestError; hang waits until interrupted", () =>
    Effect.gen(function* () {
      const emu = yield* InMemory.InMemoryEmulator
      const client = yield* HttpClient.HttpClient
      yield* emu.setFaults({ script: ["reset", "truncated", "hang", "malformed"] })
      const request = withAuth(emu)(HttpClientRequest.get(`${InMemory.url}/v1/async-actions`))
      for (let i = 0; i < 2; i++) {
        const error = yield* Effect.flip(client.execute(request))
        expect(error._tag).toBe("RequestError")
        expect(error.reason).toBe("Transport")
      }
      const fiber = yield* Effect.fork(client.execute(request).pipe(Effect.timeout("30 seconds")))
      yield* TestClock.adjust("29 seconds")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("2 seconds")
      const timedOut = yield* Effect.flip(Fiber.join(fiber))
      expect(timedOut._tag).toBe("TimeoutException")
      const malformed = yield* client.execute(request)
      expect(malformed.status).toBe(200)
      const decodeError = yield* Effect.flip(malformed.json)
      expect(decodeError._tag).toBe("ResponseError")
      expect(yield* emu.faultsInjected).toMatchObject({ reset: 1, truncated: 1, hang: 1, malformed: 1 })
    }).pipe(Effect.provide(InMemory.layer()))
  )

  it.effect("layerHttpClient alone serves requests", () =>
    Effect.gen(function* () {
      const response = yield* HttpClient.get(`${InMemory.url}/_emulator/health`)
      expect(yield* response.json).toEqual({ status: "ok", actions: 5 })
    }).pipe(Effect.provide(InMemory.layerHttpClient({ seed: 5 })))
  )
})
