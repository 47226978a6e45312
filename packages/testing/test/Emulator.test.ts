import { describe, expect, it } from "@effect/vitest"
import { AsyncActionType } from "@voucherify-effect/core"
import { Effect, Redacted } from "effect"
import * as Emulator from "../src/Emulator.js"
import { auth, contract, getJson, type Json, strictResultValid } from "./helpers.js"

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

describe("Emulator server: wire contract", () => {
  it.scopedLive("list pages and GET of all 22 types in DONE, FAILED and IN_PROGRESS match the contract", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 200, seedValue: 5 })
      const headers = auth(emu)
      const created: Array<string> = []
      for (const type of AsyncActionType.knownTypes) {
        created.push((yield* emu.createAction({ type, durationMillis: 0 })).id)
        created.push((yield* emu.createAction({ type, durationMillis: 0, outcome: "FAILED" })).id)
        created.push((yield* emu.createAction({ type, durationMillis: 0, outcome: "PARTIAL", size: 8 })).id)
        created.push((yield* emu.createAction({ type, durationMillis: 600_000 })).id)
        created.push((yield* emu.createAction({ type, startAfterMillis: 600_000 })).id)
      }
      const statuses = new Set<string>()
      for (const id of created) {
        const { body, headers: h, status } = yield* promise(() => getJson(`${emu.url}/v1/async-actions/${id}`, headers))
        expect(status).toBe(200)
        expect(h.get("content-type")).toBe("application/json; charset=utf-8")
        contract.get(body)
        statuses.add(body.status)
      }
      expect([...statuses].sort()).toEqual(["DONE", "ENQUEUED", "FAILED", "IN_PROGRESS"])
      let endDate: string | undefined
      for (let more = true; more; ) {
        const q = endDate === undefined ? "" : `&end_date=${endDate}`
        const { body } = yield* promise(() => getJson(`${emu.url}/v1/async-actions?limit=100${q}`, headers))
        contract.list(body)
        for (const action of body.async_actions) {
          expect(action.result).toBeUndefined()
          expect(action.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        }
        endDate = body.async_actions.at(-1).created_at
        more = body.has_more
      }
    })
  )

  it.scopedLive("seeded GETs of every type validate (quirk 2: arrays where the spec declares one object)", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 300 })
      const { body: page } = yield* promise(() => getJson(`${emu.url}/v1/async-actions?limit=100`, auth(emu)))
      let strictRejections = 0
      for (const item of page.async_actions) {
        const { body } = yield* promise(() => getJson(`${emu.url}/v1/async-actions/${item.id}`, auth(emu)))
        contract.get(body)
        if (!strictResultValid(body.type, body.result)) {
          expect(["VOUCHERS.IMPORT", "ORDERS.IMPORT"]).toContain(body.type)
          strictRejections++
        }
      }
      expect(strictRejections).toBeGreaterThan(0)
    })
  )
})

describe("Emulator server: errors", () => {
  it.scopedLive("auth: missing or wrong credentials → 401; bearer token accepted", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ accessTokens: ["tok_123"], appId: "app-1", secretKey: "s3cret" })
      const url = `${emu.url}/v1/async-actions`
      for (const headers of [
        {},
        { "x-app-id": "app-1" },
        { "x-app-id": "app-1", "x-app-token": "wrong" },
        { "x-app-id": "other", "x-app-token": "s3cret" },
        { authorization: "Bearer nope" },
        { authorization: "Basic tok_123" }
      ]) {
        const { body, headers: h, status } = yield* promise(() => getJson(url, headers))
        expect(status).toBe(401)
        expect(h.get("content-type")).toBe("application/json; charset=utf-8")
        expect(body).toMatchObject({ code: 401, message: "Unauthorized", key: "unauthorized" })
        expect(body.request_id).toMatch(/^v-/)
        contract.error(body)
      }
      expect((yield* promise(() => getJson(url, { authorization: "Bearer tok_123" }))).status).toBe(200)
      expect((yield* promise(() => getJson(url, { "X-App-Id": "app-1", "X-App-Token": "s3cret" }))).status).toBe(200)
      expect(Redacted.value(emu.secretKey)).toBe("s3cret")
      expect(String(emu.secretKey)).not.toContain("s3cret")
    })
  )

  it.scopedLive("400 details name the parameter; limit bounds and default", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 150 })
      const get = (q: string) => promise(() => getJson(`${emu.url}/v1/async-actions?${q}`, auth(emu)))
      for (const q of ["limit=0", "limit=101", "limit=abc", "limit=1.5", "limit=", "limit=-3", "limit=1&limit=2"]) {
        const { body, status } = yield* get(q)
        expect(status, q).toBe(400)
        expect(body).toMatchObject({ code: 400, key: "invalid_query_params", message: "Invalid query params" })
        expect(body.details).toMatch(/^Property \.limit must be /)
        contract.error(body)
      }
      for (const q of ["end_date=yesterday", "end_date=2023-02-30", "end_date=2023-01-01T25:00:00Z", "end_date="]) {
        const { body, status } = yield* get(q)
        expect(status, q).toBe(400)
        expect(body.details).toBe("Property .end_date cannot be recognized as a ISO-8601 compliant date")
        contract.error(body)
      }
      expect((yield* get("")).body.async_actions).toHaveLength(10)
      expect((yield* get("limit=1")).body.async_actions).toHaveLength(1)
      expect((yield* get("limit=100")).body.async_actions).toHaveLength(100)
      expect((yield* get("end_date=2025-06-01")).status).toBe(200)
      expect((yield* get("end_date=2025-06-01T10:00:00%2B02:00")).status).toBe(200)
    })
  )

  it.scopedLive("404: unknown id echoes safe ids only; unknown route 404; wrong method 405", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make()
      const { body, status } = yield* promise(() =>
        getJson(`${emu.url}/v1/async-actions/aa_0aeb82bd55d5beffb`, auth(emu))
      )
      expect(status).toBe(404)
      expect(body).toMatchObject({
        code: 404,
        key: "not_found",
        message: "Resource not found",
        details: "Cannot find async_action with id aa_0aeb82bd55d5beffb",
        resource_id: "aa_0aeb82bd55d5beffb",
        resource_type: "async_action"
      })
      expect(body.request_id).toMatch(/^v-[0-9a-f]{18}$/)
      contract.error(body)
      const evil = encodeURIComponent("<script>alert(1)</script>")
      const hidden = yield* promise(() => getJson(`${emu.url}/v1/async-actions/${evil}`, auth(emu)))
      expect(hidden.status).toBe(404)
      expect(JSON.stringify(hidden.body)).not.toContain("script")
      expect(hidden.body.resource_id).toBeUndefined()
      contract.error(hidden.body)
      const route = yield* promise(() => getJson(`${emu.url}/v1/nope`, auth(emu)))
      expect(route.status).toBe(404)
      contract.error(route.body)
      const method = yield* promise(() =>
        fetch(`${emu.url}/v1/async-actions`, { method: "DELETE", headers: auth(emu) })
      )
      expect(method.status).toBe(405)
      expect(method.headers.get("allow")).toBe("GET")
      contract.error(yield* promise(() => method.json()))
    })
  )

  it.scopedLive("rate limit: headers on every /v1 response, 429 + Retry-After once spent", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ rateLimitPerMinute: 3 })
      const remaining: Array<string | null> = []
      for (let i = 0; i < 3; i++) {
        const r = yield* promise(() => fetch(`${emu.url}/v1/async-actions`, { headers: auth(emu) }))
        expect(r.status).toBe(200)
        expect(r.headers.get("x-rate-limit-limit")).toBe("3")
        expect(Number(r.headers.get("x-rate-limit-retry"))).toBeGreaterThan(Date.now() / 1000 - 5)
        remaining.push(r.headers.get("x-rate-limit-remaining"))
      }
      expect(remaining).toEqual(["2", "1", "0"])
      const limited = yield* promise(() => fetch(`${emu.url}/v1/async-actions`, { headers: auth(emu) }))
      expect(limited.status).toBe(429)
      const retryAfter = Number(limited.headers.get("retry-after"))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(60)
      expect(limited.headers.get("x-rate-limit-type")).toBe("api_calls")
      expect(limited.headers.get("x-rate-limit-remaining")).toBe("0")
      expect(Number(limited.headers.get("x-rate-limit-retry"))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000))
      const body = yield* promise(() => limited.json())
      expect(body).toMatchObject({ code: 429, message: "Too many requests hit the API too quickly." })
      contract.tooMany(body)
      contract.error(body)
    })
  )
  it.scopedLive("rate limit: a shorter window (rateLimitWindowMillis) resets the budget when it ends", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ rateLimitPerMinute: 2, rateLimitWindowMillis: 1000 })
      const get = () => promise(() => fetch(`${emu.url}/v1/async-actions`, { headers: auth(emu) }))
      // Start right after a window boundary, so the three requests share one window. On a loaded machine
      // three requests can straddle a boundary: then the attempt does not count and the next window is tried.
      let attempts = 0
      for (;;) {
        attempts++
        yield* Effect.sleep(1000 - (Date.now() % 1000) + 20)
        const window = Math.floor(Date.now() / 1000)
        const statuses = [(yield* get()).status, (yield* get()).status]
        const limited = yield* get()
        statuses.push(limited.status)
        if (Math.floor(Date.now() / 1000) !== window && attempts < 10) continue
        expect(statuses, `attempt ${attempts}`).toEqual([200, 200, 429])
        expect(Number(limited.headers.get("retry-after"))).toBe(1)
        break
      }
      yield* Effect.sleep(1000 - (Date.now() % 1000) + 20)
      expect((yield* get()).status).toBe(200)
      const invalid = yield* Effect.flip(Emulator.make({ rateLimitPerMinute: 2, rateLimitWindowMillis: 0 }))
      expect(invalid.message).toContain("rateLimitWindowMillis")
    })
  )
})

describe("Emulator server: start endpoints and admin API", () => {
  it.scopedLive("start endpoints answer 202 (orders import 200) and create an action of the matching type", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ defaultDurationMillis: 0 })
      const cases: Array<[string, unknown, string, number, number]> = [
        ["/v1/vouchers/metadata/async", { codes: ["A", "B"], metadata: { x: 1 } }, "VOUCHERS.METADATA_UPDATE", 202, 2],
        ["/v1/vouchers/bulk/async", [{ code: "A", metadata: {} }], "VOUCHERS.BULK_UPDATE", 202, 1],
        [
          "/v1/customers/bulk/async",
          [{ source_id: "c1" }, { source_id: "c2" }, { source_id: "c3" }],
          "CUSTOMERS.BULK_UPDATE",
          202,
          3
        ],
        ["/v1/customers/metadata/async", { source_ids: ["c1"], metadata: {} }, "CUSTOMERS.METADATA_UPDATE", 202, 1],
        ["/v1/products/bulk/async", [{ source_id: "p1" }], "PRODUCTS.BULK_UPDATE", 202, 1],
        ["/v1/products/metadata/async", { source_ids: ["p1", "p2"], metadata: {} }, "PRODUCTS.METADATA_UPDATE", 202, 2],
        ["/v1/vouchers/import", [{ code: "X" }, { code: "Y" }], "VOUCHERS.IMPORT", 202, 2],
        ["/v1/orders/import", [{ source_id: "o1" }], "ORDERS.IMPORT", 200, 1]
      ]
      for (const [path, payload, type, expectedStatus, count] of cases) {
        const r = yield* promise(() =>
          fetch(`${emu.url}${path}`, {
            method: "POST",
            headers: { ...auth(emu), "content-type": "application/json" },
            body: JSON.stringify(payload)
          })
        )
        expect(r.status, path).toBe(expectedStatus)
        const body = yield* promise(() => r.json())
        contract.accepted(body)
        const { body: action } = yield* promise(() =>
          getJson(`${emu.url}/v1/async-actions/${body.async_action_id}`, auth(emu))
        )
        contract.get(action)
        expect(action.type).toBe(type)
        expect(action.status).toBe("DONE")
        expect(action.result.done_count).toBe(count)
      }
      const bad = yield* promise(() =>
        fetch(`${emu.url}/v1/vouchers/bulk/async`, { method: "POST", headers: auth(emu), body: "{not json" })
      )
      expect(bad.status).toBe(400)
      expect((yield* promise(() => bad.json())).key).toBe("invalid_payload")
      const unauth = yield* promise(() => fetch(`${emu.url}/v1/vouchers/bulk/async`, { method: "POST", body: "[]" }))
      expect(unauth.status).toBe(401)
    })
  )

  it.scopedLive("admin API: create, request log, faults, health", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make()
      const created = yield* promise(() =>
        fetch(`${emu.url}/_emulator/async-actions`, {
          method: "POST",
          body: JSON.stringify({
            type: "CAMPAIGN.VOUCHERS_GENERATE",
            duration_ms: 60_000,
            start_after_ms: 0,
            outcome: "PARTIAL"
          })
        })
      )
      expect(created.status).toBe(201)
      const action = (yield* promise(() => created.json())) as Json
      contract.get(action)
      expect(action).toMatchObject({ type: "CAMPAIGN.VOUCHERS_GENERATE", status: "IN_PROGRESS" })
      const invalid = yield* promise(() =>
        fetch(`${emu.url}/_emulator/async-actions`, { method: "POST", body: JSON.stringify({ type: "NOPE" }) })
      )
      expect(invalid.status).toBe(400)

      yield* promise(() => fetch(`${emu.url}/v1/async-actions?limit=2`, { headers: auth(emu) }))
      yield* promise(() => fetch(`${emu.url}/v1/async-actions/${action.id}`))
      const log = (yield* promise(() => fetch(`${emu.url}/_emulator/requests`).then((r) => r.json()))) as Array<Json>
      expect(log.map((e) => [e.method, e.path, e.status])).toEqual([
        ["GET", "/v1/async-actions", 200],
        ["GET", `/v1/async-actions/${action.id}`, 401]
      ])
      expect(log[0].query).toEqual({ limit: "2" })
      expect(JSON.stringify(log)).not.toContain(Redacted.value(emu.secretKey))
      expect((yield* emu.requests).length).toBe(2)
      expect((yield* promise(() => fetch(`${emu.url}/_emulator/requests`, { method: "DELETE" }))).status).toBe(204)
      expect(yield* emu.requests).toEqual([])

      const put = yield* promise(() =>
        fetch(`${emu.url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ script: ["server_error"] }) })
      )
      expect(put.status).toBe(200)
      expect(
        (yield* promise(() => fetch(`${emu.url}/v1/async-actions`, { headers: auth(emu) }))).status
      ).toBeGreaterThanOrEqual(500)
      expect((yield* emu.faultsInjected).server_error).toBe(1)
      const badProfile = yield* promise(() =>
        fetch(`${emu.url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ serverError: 2 }) })
      )
      expect(badProfile.status).toBe(400)
      yield* promise(() => fetch(`${emu.url}/_emulator/faults`, { method: "PUT", body: "null" }))
      expect((yield* promise(() => fetch(`${emu.url}/v1/async-actions`, { headers: auth(emu) }))).status).toBe(200)
      const health = yield* promise(() => fetch(`${emu.url}/_emulator/health`).then((r) => r.json()))
      expect(health).toEqual({ status: "ok", actions: 1 })
    })
  )

  it.scopedLive("only loopback hosts are accepted", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Emulator.make({ host: "0.0.0.0" }))
      expect(error.reason).toBe("NonLoopbackHost")
      const invalid = yield* Effect.flip(Emulator.make({ defaultLimit: 0 }))
      expect(invalid.reason).toBe("InvalidOptions")
    })
  )
})
