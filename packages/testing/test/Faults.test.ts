import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Emulator from "../src/Emulator.js"
import * as Faults from "../src/Faults.js"
import { auth, contract, raw } from "./helpers.js"

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

describe("Faults: injector", () => {
  it("same seed → same decisions; script first, then probabilities", () => {
    const profile: Faults.FaultProfile = {
      seed: 9,
      serverError: 0.2,
      reset: 0.1,
      drift: 0.1,
      script: ["hang", "none", "malformed"]
    }
    const run = () => {
      const injector = Faults.makeInjector(profile)
      return Array.from({ length: 200 }, () => injector.next())
    }
    const a = run()
    expect(a).toEqual(run())
    expect(a.slice(0, 3).map((d) => d?.kind)).toEqual(["hang", undefined, "malformed"])
    const kinds = new Set(a.slice(3).map((d) => d?.kind))
    expect(kinds).toEqual(new Set([undefined, "server_error", "reset", "drift"]))
    const other = Faults.makeInjector({ ...profile, seed: 10 })
    expect(Array.from({ length: 200 }, () => other.next())).not.toEqual(a)
  })

  it("profiles are validated", () => {
    expect(Faults.decode({ serverError: 0.5 })._tag).toBe("Right")
    expect(Faults.decode({ serverError: 1.5 })._tag).toBe("Left")
    expect(Faults.decode({ script: ["explode"] })._tag).toBe("Left")
    expect(Faults.decode({ unknownKnob: 1 })._tag).toBe("Left")
  })
})

describe("Faults: observable from a raw client", () => {
  const list = (emu: Emulator.EmulatorHandle) =>
    promise(() => raw(`${emu.url}/v1/async-actions?limit=20`, { headers: auth(emu) }))

  it.scopedLive("an injected 429 carries the profile's Retry-After", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 3, faults: { script: ["rate_limited"], retryAfterSeconds: 5 } })
      const limited = yield* list(emu)
      expect(limited.status).toBe(429)
      expect(limited.headers!["retry-after"]).toBe("5")
      expect((yield* list(emu)).status).toBe(200)
    })
  )

  it.scopedLive("each kind, in script order, and counted", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({
        seed: 30,
        faults: {
          script: [
            "rate_limited",
            "server_error",
            "reset",
            "truncated",
            "malformed",
            "wrong_content_type",
            "drift",
            "none"
          ]
        }
      })
      const limited = yield* list(emu)
      expect(limited.status).toBe(429)
      expect(Number(limited.headers!["retry-after"])).toBeGreaterThanOrEqual(1)
      contract.tooMany(JSON.parse(limited.body))

      const server = yield* list(emu)
      expect([500, 502, 503, 504]).toContain(server.status)
      const serverBody = JSON.parse(server.body)
      expect(serverBody.code).toBe(server.status)
      contract.error(serverBody)

      const reset = yield* list(emu)
      expect(reset.outcome).not.toBe("complete")

      const truncated = yield* list(emu)
      expect(truncated.outcome).toBe("body-error")
      expect(truncated.status).toBe(200)
      expect(truncated.body.length).toBeGreaterThan(0)
      expect(truncated.body.length).toBeLessThan(Number(truncated.headers!["content-length"]))
      expect(() => JSON.parse(truncated.body)).toThrow()

      const malformed = yield* list(emu)
      expect(malformed.outcome).toBe("complete")
      expect(malformed.status).toBe(200)
      expect(() => JSON.parse(malformed.body)).toThrow()

      const html = yield* list(emu)
      expect(html.status).toBe(200)
      expect(html.headers!["content-type"]).toMatch(/^text\/html/)

      const drift = yield* list(emu)
      expect(drift.status).toBe(200)
      const drifted = JSON.parse(drift.body)
      const types = drifted.async_actions.map((a: { type: string }) => a.type)
      expect(types.filter((t: string) => t === "VOUCHERS.FUTURE_TYPE")).toHaveLength(1)
      expect(drifted.async_actions.every((a: object) => "log_id" in a && "user" in a)).toBe(true)

      const normal = yield* list(emu)
      expect(normal.status).toBe(200)
      contract.list(JSON.parse(normal.body))

      expect(yield* emu.faultsInjected).toEqual({
        rate_limited: 1,
        server_error: 1,
        reset: 1,
        hang: 0,
        truncated: 1,
        malformed: 1,
        wrong_content_type: 1,
        drift: 1
      })
      const log = yield* emu.requests
      expect(log.map((e) => e.fault)).toEqual([
        "rate_limited",
        "server_error",
        "reset",
        "truncated",
        "malformed",
        "wrong_content_type",
        "drift",
        undefined
      ])
    })
  )

  it.scopedLive("drift on GET-by-id replaces the type and gives an unknown result shape", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make()
      const action = yield* emu.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 0 })
      yield* emu.setFaults({ script: ["drift"] })
      const r = yield* promise(() => raw(`${emu.url}/v1/async-actions/${action.id}`, { headers: auth(emu) }))
      const body = JSON.parse(r.body)
      expect(body).toMatchObject({
        id: action.id,
        type: "VOUCHERS.FUTURE_TYPE",
        status: "DONE",
        object: "async_action"
      })
      expect(body.result).not.toHaveProperty("done_count")
      expect(body).toHaveProperty("log_id")
    })
  )

  it.scopedLive("hang: no answer until the client aborts; then inFlight and openConnections return to 0", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ faults: { script: ["hang"] } })
      const controller = new AbortController()
      const pending = raw(`${emu.url}/v1/async-actions`, { headers: auth(emu), signal: controller.signal })
      let settled = false
      void pending.then(() => {
        settled = true
      })
      yield* Effect.sleep("300 millis")
      expect(settled).toBe(false)
      expect(yield* emu.inFlight).toBe(1)
      expect(yield* emu.openConnections).toBe(1)
      controller.abort()
      const result = yield* promise(() => pending)
      expect(result.outcome).toBe("request-error")
      // Up to 10 s: the close is prompt (about a millisecond), the bound is for a loaded machine.
      for (let i = 0; i < 500 && ((yield* emu.openConnections) > 0 || (yield* emu.inFlight) > 0); i++) {
        yield* Effect.sleep("20 millis")
      }
      expect(yield* emu.openConnections).toBe(0)
      expect(yield* emu.inFlight).toBe(0)
      expect((yield* emu.faultsInjected).hang).toBe(1)
    })
  )

  // Node 20's bundled fetch (undici 6) closes the aborted socket only after about 4 s (undici 7 at once),
  // so this waits up to 20 s (for a loaded machine) for the socket to go.
  it.scopedLive(
    "a fetch client times out on hang and the socket is eventually closed",
    () =>
      Effect.gen(function* () {
        const emu = yield* Emulator.make({ faults: { hang: 1 } })
        const error = yield* promise(() =>
          fetch(`${emu.url}/v1/async-actions`, { headers: auth(emu), signal: AbortSignal.timeout(200) }).then(
            () => "answered",
            (e: Error) => e.name
          )
        )
        expect(error).toBe("TimeoutError")
        for (let i = 0; i < 400 && (yield* emu.openConnections) > 0; i++) yield* Effect.sleep("50 millis")
        expect(yield* emu.openConnections).toBe(0)
        expect(yield* emu.inFlight).toBe(0)
      }),
    60_000
  )

  it.scopedLive("determinism: the same seed and requests give the same fault sequence and data", () =>
    Effect.gen(function* () {
      const runOnce = Effect.gen(function* () {
        const emu = yield* Emulator.make({
          seed: 50,
          seedValue: 3,
          faults: { seed: 77, serverError: 0.3, rateLimited: 0.2, malformed: 0.1, drift: 0.1 }
        })
        const bodies: Array<string> = []
        for (let i = 0; i < 40; i++) {
          const r = yield* promise(() => raw(`${emu.url}/v1/async-actions?limit=3`, { headers: auth(emu) }))
          bodies.push(`${r.status}`)
          if (r.status === 200 && r.headers!["content-type"]?.startsWith("application/json")) {
            // request_id values differ per call order only; bodies of 200s are data
            bodies.push(r.body)
          }
        }
        return {
          faults: (yield* emu.requests).map((e) => e.fault ?? "none"),
          bodies,
          ids: emu.state.all().map((a) => a.id)
        }
      }).pipe(Effect.scoped)
      const a = yield* runOnce
      const b = yield* runOnce
      expect(a).toEqual(b)
      expect(new Set(a.faults).size).toBeGreaterThan(2)
    })
  )
})
