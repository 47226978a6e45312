import { describe, expect, it } from "@effect/vitest"
import { AsyncAction } from "@voucherify-effect/core"
import { Arbitrary, FastCheck, Schema } from "effect"
import * as Wire from "../src/internal/wire.js"

const bySchema = (action: AsyncAction.AsyncAction) => JSON.stringify(Schema.encodeSync(AsyncAction.AsyncAction)(action))

describe("wire", () => {
  it("writes exactly what Schema.encode writes, byte for byte, for any action", { timeout: 60_000 }, () => {
    FastCheck.assert(
      FastCheck.property(Arbitrary.make(AsyncAction.AsyncAction), (action) => {
        expect(Wire.jsonLine(action)).toBe(bySchema(action))
      }),
      { numRuns: 500 }
    )
  })

  it("a list item and a finished action with a typed result", () => {
    const decode = Schema.decodeUnknownSync(AsyncAction.AsyncAction)
    const done = decode({
      id: "aa_0c5564b67d0e571534",
      type: "ORDERS.IMPORT",
      status: "DONE",
      operation_status: "SUCCESS",
      result: {
        message: "1 imported, 1 failed",
        failed: [{ source_id: null, reason: "Internal error" }],
        done_count: 1
      },
      created_at: "2024-05-01T12:00:00.000Z",
      updated_at: "2024-05-01T12:00:03.5Z",
      request_id: "v-0c5564b67d0e5715",
      processing_time: 3500,
      progress: 100,
      object: "async_action"
    })
    expect(Wire.jsonLine(done)).toBe(bySchema(done))
    expect(JSON.parse(Wire.jsonLine(done))).toMatchObject({ updated_at: "2024-05-01T12:00:03.500Z" })
  })
})
