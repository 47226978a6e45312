import { describe, expect, it } from "@effect/vitest"
import * as Core from "../src/index.js"

describe("index", () => {
  it("exports every module as a namespace", () => {
    expect(Object.keys(Core).sort()).toStrictEqual([
      "ApiErrorBody",
      "AsyncAction",
      "AsyncActionId",
      "AsyncActionList",
      "AsyncActionResult",
      "AsyncActionType",
      "BufferedGet",
      "Decoder",
      "Input",
      "IsoDateTime",
      "ResponseLimit",
      "Sanitize",
      "VoucherifyError"
    ])
    expect(typeof Core.AsyncActionList.decodeJson).toBe("function")
    expect(typeof Core.AsyncAction.decodeUnknownEither).toBe("function")
  })
})
