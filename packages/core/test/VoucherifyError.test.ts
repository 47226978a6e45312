import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import * as ApiErrorBody from "../src/ApiErrorBody.js"
import * as AsyncAction from "../src/AsyncAction.js"
import * as AsyncActionList from "../src/AsyncActionList.js"
import * as VoucherifyError from "../src/VoucherifyError.js"
import { getExamples, readExample } from "./helpers.js"

const body = (name: string) => Option.getOrThrow(ApiErrorBody.fromJson(readExample(name)))
const request = { method: "GET", path: "/v1/async-actions/aa_0aeb82bd55d5beffb" } as const

describe("ApiErrorBody", () => {
  it("decodes every error example", () => {
    for (const name of [
      "error-400-invalid_query_params.json",
      "error-401-unauthorized.json",
      "error-404-not_found.json",
      "error-429-too_many_requests.json"
    ]) {
      expect(Option.isSome(ApiErrorBody.fromJson(readExample(name)))).toBe(true)
    }
    expect(body("error-404-not_found.json")).toMatchObject({
      code: 404,
      key: "not_found",
      requestId: "v-0aeb88df54c82af560",
      resourceId: "aa_0aeb82bd55d5beffb",
      resourceType: "async_action"
    })
  })

  it("decodes the 413 and string-code 429 shapes, and refuses non-objects", () => {
    expect(ApiErrorBody.fromJson({ statusCode: 413, error: "Payload Too Large", message: "too big" })).toStrictEqual(
      Option.some({ statusCode: 413, error: "Payload Too Large", message: "too big" })
    )
    expect(Option.isSome(ApiErrorBody.fromJson({ code: "429", message: "slow down" }))).toBe(true)
    for (const json of [null, "text", [1], 3]) expect(ApiErrorBody.fromJson(json)).toStrictEqual(Option.none())
  })

  it("describe prefers the rule's own message", () => {
    expect(ApiErrorBody.describe({ message: "generic", error: { message: "custom" } })).toBe("custom")
    expect(ApiErrorBody.describe({ message: "generic" })).toBe("generic")
    expect(ApiErrorBody.describe({ error: "Payload Too Large" })).toBe("Payload Too Large")
  })
})

describe("fromStatus", () => {
  it("400 is BadRequest, keeping key and details, with the request_id in the message", () => {
    const error = VoucherifyError.fromStatus({
      status: 400,
      ...request,
      body: body("error-400-invalid_query_params.json")
    })
    expect(error._tag).toBe("BadRequest")
    expect(error.body?.key).toBe("invalid_query_params")
    expect(error.body?.details).toBe("Property .end_date cannot be recognized as a ISO-8601 compliant date")
    expect(error.message).toContain("invalid_query_params")
    expect(error.message).toContain("Property .end_date cannot be recognized")
    expect(error.message).toContain("request_id v-0c54493e444b0f61a6")
    expect(error.message).toContain("GET /v1/async-actions/aa_0aeb82bd55d5beffb answered 400")
  })

  it("401 is Unauthorized (no request_id in the body, none in the message)", () => {
    const error = VoucherifyError.fromStatus({ status: 401, ...request, body: body("error-401-unauthorized.json") })
    expect(error._tag).toBe("Unauthorized")
    expect(error.message).toBe(
      "Unauthorized: GET /v1/async-actions/aa_0aeb82bd55d5beffb answered 401 unauthorized: Unauthorized"
    )
  })

  it("404 is NotFound with the resource and request ids", () => {
    const error = VoucherifyError.fromStatus({ status: 404, ...request, body: body("error-404-not_found.json") })
    expect(error._tag).toBe("NotFound")
    expect(error.body?.resourceId).toBe("aa_0aeb82bd55d5beffb")
    expect(error.message).toContain("request_id v-0aeb88df54c82af560")
  })

  it("429 is RateLimited with the wait and the limit type", () => {
    const error = VoucherifyError.fromStatus({
      status: 429,
      ...request,
      body: body("error-429-too_many_requests.json"),
      retryAfterMillis: 2500,
      limitType: "api_calls"
    })
    expect(error._tag).toBe("RateLimited")
    expect(error._tag === "RateLimited" && error.retryAfterMillis).toBe(2500)
    expect(error.message).toContain("Too many requests hit the API too quickly.")
    expect(error.message).toContain("(api_calls), retry after 3s")
  })

  it.each([
    [403, "Forbidden"],
    [500, "ServerError"],
    [502, "ServerError"],
    [503, "ServerError"],
    [504, "ServerError"],
    [599, "ServerError"],
    [302, "UnexpectedStatus"],
    [402, "UnexpectedStatus"],
    [405, "UnexpectedStatus"],
    [408, "UnexpectedStatus"],
    [409, "UnexpectedStatus"],
    [413, "UnexpectedStatus"]
  ])("%s is %s", (status, tag) => {
    const error = VoucherifyError.fromStatus({ status, ...request })
    expect(error._tag).toBe(tag)
    expect(error.message).toContain(`answered ${status}`)
    expect(error.message).not.toContain("request_id")
  })

  it("errors are yieldable and caught by tag", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const error = VoucherifyError.fromStatus({ status: 404, ...request, body: body("error-404-not_found.json") })
        const caught = yield* Effect.fail(error).pipe(
          Effect.catchTag("NotFound", (e) => Effect.succeed(e.body?.resourceId)),
          Effect.catchAll(() => Effect.succeed("other"))
        )
        expect(caught).toBe("aa_0aeb82bd55d5beffb")
      })
    ))
})

describe("isTransient", () => {
  const action = Either.getOrThrow(AsyncAction.decodeUnknownEither(getExamples[0]![1]))
  const api = (status: number) => VoucherifyError.fromStatus({ status, ...request })
  const table: ReadonlyArray<readonly [string, VoucherifyError.VoucherifyError, boolean]> = [
    ["InvalidInput", new VoucherifyError.InvalidInput({ field: "limit", reason: "r" }), false],
    ["InvalidConfig", new VoucherifyError.InvalidConfig({ field: "apiUrl", reason: "r" }), false],
    ["BadRequest 400", api(400), false],
    ["Unauthorized 401", api(401), false],
    ["Forbidden 403", api(403), false],
    ["NotFound 404", api(404), false],
    ["RateLimited 429", api(429), true],
    ["ServerError 500", api(500), true],
    ["ServerError 501", api(501), false],
    ["ServerError 502", api(502), true],
    ["ServerError 503", api(503), true],
    ["ServerError 504", api(504), true],
    ["ServerError 505", api(505), false],
    ["UnexpectedStatus 408", api(408), true],
    ["UnexpectedStatus 409", api(409), false],
    ["UnexpectedStatus 413", api(413), false],
    [
      "InvalidResponse MalformedJson",
      new VoucherifyError.InvalidResponse({
        ...request,
        status: 200,
        reason: "MalformedJson",
        detail: "d",
        excerpt: ""
      }),
      true
    ],
    [
      "InvalidResponse SchemaMismatch",
      new VoucherifyError.InvalidResponse({
        ...request,
        status: 200,
        reason: "SchemaMismatch",
        detail: "d",
        excerpt: ""
      }),
      false
    ],
    [
      "InvalidResponse UnexpectedContentType",
      new VoucherifyError.InvalidResponse({
        ...request,
        status: 200,
        reason: "UnexpectedContentType",
        detail: "d",
        excerpt: ""
      }),
      false
    ],
    ["TransportError", new VoucherifyError.TransportError({ ...request, reason: "ECONNRESET" }), true],
    ["RequestTimeout", new VoucherifyError.RequestTimeout({ ...request, timeoutMillis: 100 }), true],
    ["WaitTimeout", new VoucherifyError.WaitTimeout({ id: "aa_1", timeoutMillis: 1000 }), false],
    ["AsyncActionFailed", new VoucherifyError.AsyncActionFailed({ action }), false],
    [
      "PaginationStalled",
      new VoucherifyError.PaginationStalled({ endDate: "2023-01-01T00:00:00.000Z", pages: 3 }),
      false
    ]
  ]

  it.each(table)("%s → %s", (_, error, transient) => {
    expect(VoucherifyError.isTransient(error)).toBe(transient)
    expect(VoucherifyError.isPermanent(error)).toBe(!transient)
    expect(VoucherifyError.isVoucherifyError(error)).toBe(true)
    expect(error.message.length).toBeGreaterThan(0)
  })

  it("covers every tag of the union", () => {
    const tags = new Set(table.map(([, error]) => error._tag))
    expect([...tags].sort()).toStrictEqual(
      [
        "InvalidInput",
        "InvalidConfig",
        "BadRequest",
        "Unauthorized",
        "Forbidden",
        "NotFound",
        "RateLimited",
        "ServerError",
        "UnexpectedStatus",
        "InvalidResponse",
        "TransportError",
        "RequestTimeout",
        "WaitTimeout",
        "AsyncActionFailed",
        "PaginationStalled"
      ].sort()
    )
    expect(VoucherifyError.isVoucherifyError(new Error("x"))).toBe(false)
  })
})

describe("messages", () => {
  it("say only what they were given", () => {
    expect(new VoucherifyError.InvalidInput({ field: "limit", reason: "must be an integer" }).message).toBe(
      "Invalid limit: must be an integer"
    )
    expect(new VoucherifyError.TransportError({ ...request, reason: "ECONNREFUSED" }).message).toBe(
      "Transport error: GET /v1/async-actions/aa_0aeb82bd55d5beffb: ECONNREFUSED"
    )
    expect(new VoucherifyError.WaitTimeout({ id: "aa_1", timeoutMillis: 500 }).message).toBe(
      "Timed out after 500ms waiting for aa_1: no state was seen"
    )
  })

  it("AsyncActionFailed summarises the result and names the request", () => {
    const json = getExamples.find(([name]) => name.includes("ORDERS.IMPORT"))![1]
    const action = Either.getOrThrow(AsyncAction.decodeUnknownEither({ ...json, status: "FAILED" }))
    const error = new VoucherifyError.AsyncActionFailed({ action })
    expect(error.message).toBe(
      "Async action aa_0c5564b67d0e571534 (ORDERS.IMPORT) finished FAILED: 1 order(s) imported successfully, 1 failed. (request_id v-0c5564b6688b0f155d)"
    )
  })

  it("invalidResponse keeps a bounded excerpt and tells malformed JSON from a mismatch", () => {
    const long = `{"async_actions": [${"x".repeat(10_000)}`
    const malformed = AsyncActionList.decodeJson(long)
    if (Either.isRight(malformed)) throw new Error("expected a failure")
    const error = VoucherifyError.invalidResponse({ status: 200, ...request, body: long, failure: malformed.left })
    expect(error.reason).toBe("MalformedJson")
    expect(error.excerpt).toBe(`${long.slice(0, VoucherifyError.excerptLength)}…`)
    expect(error.message.length).toBeLessThan(VoucherifyError.excerptLength + 1500)
    expect(VoucherifyError.isTransient(error)).toBe(true)

    const wrong = JSON.stringify({ async_actions: [{ id: "nope" }] })
    const mismatch = AsyncActionList.decodeJson(wrong)
    if (Either.isRight(mismatch)) throw new Error("expected a failure")
    const schemaError = VoucherifyError.invalidResponse({
      status: 200,
      ...request,
      body: wrong,
      failure: mismatch.left
    })
    expect(schemaError.reason).toBe("SchemaMismatch")
    expect(schemaError.excerpt).toBe(wrong)
    expect(schemaError.detail).toContain("async_actions")
    expect(VoucherifyError.isTransient(schemaError)).toBe(false)
  })
})

describe("invalidResponse on hostile bodies", () => {
  it("a body nested thousands of levels deep is a SchemaMismatch, not a stack overflow", () => {
    const body = `{"async_actions":${"[".repeat(20_000)}${"]".repeat(20_000)}}`
    const decoded = AsyncActionList.decodeJson(body)
    expect(decoded._tag).toBe("Left")
    if (decoded._tag !== "Left") return
    const error = VoucherifyError.invalidResponse({
      status: 200,
      method: "GET",
      path: "/v1/async-actions",
      body,
      failure: decoded.left
    })
    expect(error.reason).toBe("SchemaMismatch")
    expect(error.message.length).toBeLessThan(2_000)
  })
})
