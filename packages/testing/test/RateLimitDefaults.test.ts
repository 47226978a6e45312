// The emulator's rate-limit defaults: like the API, every /v1 response carries X-Rate-Limit-Limit and
// X-Rate-Limit-Remaining (a 2 000/min plan unless configured); `enforceRateLimit: false` (the CLI's
// `--rate-limit off`) keeps the headers and never refuses, so a benchmark is never paused by them.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Emulator from "../src/Emulator.js"
import { auth } from "./helpers.js"

const get = (emu: Emulator.EmulatorHandle) =>
  Effect.promise(() => fetch(`${emu.url}/v1/async-actions`, { headers: auth(emu) }))

describe("emulator rate-limit defaults", () => {
  it.scopedLive("sends the plan's headers on every response by default, success or error", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ seed: 3 })
      const remaining: Array<string | null> = []
      for (let i = 0; i < 3; i++) {
        const r = yield* get(emu)
        expect(r.status).toBe(200)
        expect(r.headers.get("x-rate-limit-limit")).toBe("2000")
        remaining.push(r.headers.get("x-rate-limit-remaining"))
      }
      expect(remaining).toEqual(["1999", "1998", "1997"])
      const missing = yield* Effect.promise(() =>
        fetch(`${emu.url}/v1/async-actions/aa_0000000000000000ff`, { headers: auth(emu) })
      )
      expect(missing.status).toBe(404)
      expect(missing.headers.get("x-rate-limit-limit")).toBe("2000")
      expect(missing.headers.get("x-rate-limit-remaining")).toBe("1996")
    })
  )

  it.scopedLive("enforceRateLimit: false keeps the headers, never answers 429 and never reports 0 remaining", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({ rateLimitPerMinute: 2, enforceRateLimit: false })
      const seen: Array<[number, string | null, string | null]> = []
      for (let i = 0; i < 4; i++) {
        const r = yield* get(emu)
        seen.push([r.status, r.headers.get("x-rate-limit-limit"), r.headers.get("x-rate-limit-remaining")])
      }
      expect(seen).toEqual([
        [200, "2", "1"],
        [200, "2", "1"],
        [200, "2", "1"],
        [200, "2", "1"]
      ])
    })
  )
})
