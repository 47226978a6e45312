import { describe, expect, it } from "@effect/vitest"
import { VoucherifyError } from "@voucherify-effect/core"
import * as ExitCode from "../src/ExitCode.js"

const response = { method: "GET", path: "/v1/async-actions" }

describe("ExitCode.fromError", () => {
  it.each([
    [new VoucherifyError.InvalidInput({ field: "id", reason: "bad" }), 2],
    [new VoucherifyError.InvalidConfig({ field: "appId", reason: "missing" }), 2],
    [new VoucherifyError.BadRequest({ ...response, status: 400 }), 3],
    [new VoucherifyError.Unauthorized({ ...response, status: 401 }), 3],
    [new VoucherifyError.Forbidden({ ...response, status: 403 }), 3],
    [new VoucherifyError.NotFound({ ...response, status: 404 }), 3],
    [new VoucherifyError.UnexpectedStatus({ ...response, status: 409 }), 3],
    [new VoucherifyError.UnexpectedStatus({ ...response, status: 408 }), 4],
    [new VoucherifyError.RateLimited({ ...response, status: 429 }), 4],
    [new VoucherifyError.ServerError({ ...response, status: 503 }), 4],
    [new VoucherifyError.TransportError({ ...response, reason: "reset" }), 4],
    [new VoucherifyError.RequestTimeout({ ...response, timeoutMillis: 1000 }), 4],
    [
      new VoucherifyError.InvalidResponse({
        ...response,
        status: 200,
        reason: "MalformedJson",
        detail: "x",
        excerpt: "<html>"
      }),
      4
    ],
    [new VoucherifyError.PaginationStalled({ endDate: "2024-01-01T00:00:00.000Z", pages: 3 }), 4],
    [new VoucherifyError.WaitTimeout({ id: "aa_1", timeoutMillis: 1000 }), 5]
  ] as const)("%s → %i", (error, code) => {
    expect(ExitCode.fromError(error)).toBe(code)
  })
})
