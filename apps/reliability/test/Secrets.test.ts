// Secrets: the secret key and the bearer token never appear in logs (Debug and up), error messages,
// String(error), JSON.stringify(error) or Cause renderings — under faults, refusals and timeouts.
import { describe, expect, it } from "@effect/vitest"
import { AsyncActions, PollPolicy, RetryPolicy } from "@voucherify-effect/http"
import { Emulator } from "@voucherify-effect/testing"
import { Cause, Effect, Exit, Redacted, Stream } from "effect"
import {
  bearerToken,
  captureLogs,
  clientOnEmulator,
  emulatorCredentials,
  expectFaults,
  fastRetries,
  leaks,
  logLines,
  renderings,
  report,
  secretKey
} from "./support.js"

describe("secrets", () => {
  it.scopedLive("never printed, with key-pair or bearer auth, across faults, 401s and timeouts", () =>
    Effect.gen(function* () {
      const emu = yield* Emulator.make({
        ...emulatorCredentials,
        seed: 300,
        faults: {
          seed: 3,
          serverError: 0.2,
          rateLimited: 0.1,
          reset: 0.05,
          truncated: 0.02,
          malformed: 0.05,
          hang: 0.02
        }
      })
      const action = yield* emu.createAction({ type: "CUSTOMERS.BULK_UPDATE", durationMillis: 300, outcome: "PARTIAL" })
      const auths = [
        { name: "key pair", options: {} },
        { name: "bearer", options: { accessToken: Redacted.make(bearerToken) } },
        { name: "wrong key", options: { secretKey: Redacted.make(`${secretKey}-wrong`) } },
        { name: "wrong token", options: { accessToken: Redacted.make(`${bearerToken}-wrong`) } }
      ]
      const texts: Array<string> = []
      for (const auth of auths) {
        const layer = clientOnEmulator(emu, { requestTimeout: "200 millis", ...auth.options })
        const programs: ReadonlyArray<Effect.Effect<unknown, unknown, AsyncActions.AsyncActions>> = [
          AsyncActions.stream({ pageSize: 50 }).pipe(Stream.runCount),
          AsyncActions.get(action.id),
          AsyncActions.get("aa_0000000000000000ff"),
          AsyncActions.awaitCompletion(action.id, { schedule: PollPolicy.fixed("20 millis"), timeout: "3 seconds" })
        ]
        for (const program of programs) {
          const exit = yield* program.pipe(
            RetryPolicy.withPolicy(fastRetries(5)),
            Effect.provide(layer),
            Effect.provide(captureLogs),
            Effect.exit
          )
          if (Exit.isFailure(exit)) {
            texts.push(Cause.pretty(exit.cause), JSON.stringify(exit.cause))
            for (const error of Cause.failures(exit.cause)) texts.push(...renderings(error))
            for (const defect of Cause.defects(exit.cause)) texts.push(...renderings(defect))
          }
        }
      }
      // The check itself works: a rendering that does contain the key is caught.
      expect(leaks(`token=${secretKey}`)).toBe(true)
      const leakedTexts = texts.filter(leaks)
      const leakedLogs = logLines.filter(leaks)
      report("secrets", {
        errorTextsChecked: texts.length,
        logLinesChecked: logLines.length,
        leakedTexts: leakedTexts.length,
        leakedLogLines: leakedLogs.length,
        requests: (yield* emu.requests).length,
        faultsInjected: yield* emu.faultsInjected
      })
      // The faults the claim is about did happen (this seed gives at least these).
      expectFaults(yield* emu.faultsInjected, {
        server_error: 5,
        rate_limited: 1,
        reset: 1,
        truncated: 1,
        malformed: 1,
        hang: 1
      })
      expect(texts.length).toBeGreaterThan(20)
      expect(leakedTexts).toEqual([])
      expect(leakedLogs).toEqual([])
      expect(logLines.length).toBeGreaterThan(0)
    })
  )
})
