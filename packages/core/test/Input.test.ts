import { describe, expect, it } from "@effect/vitest"
import { Duration, Either } from "effect"
import * as AsyncActionList from "../src/AsyncActionList.js"
import * as Input from "../src/Input.js"

const message = <A>(result: Either.Either<A, { readonly message: string }>) =>
  Either.isLeft(result) ? result.left.message : undefined

describe("Input.validateId", () => {
  it("accepts an id and names the field and the value otherwise", () => {
    expect(Input.validateId("aa_0afb3d009a55814a48")).toStrictEqual(Either.right("aa_0afb3d009a55814a48"))
    expect(message(Input.validateId("aa_1/../x", "<id>"))).toBe(
      'Invalid <id>: "aa_1/../x" is not an async action id (expected aa_ followed by 1 to 64 letters or digits)'
    )
    expect(message(Input.validateId(42))).toMatch(/^Invalid id: 42 is not an async action id/)
    expect(message(Input.validateId(`aa_${"x".repeat(100)}`))).toContain("…")
  })
})

describe("Input.validateDuration", () => {
  it.each([
    ["30s", 30_000],
    ["500ms", 500],
    ["2m", 120_000],
    ["1.5h", 5_400_000],
    ["90 seconds", 90_000],
    [" 10 minutes ", 600_000],
    [1500, 1500]
  ] as const)("accepts %s", (input, millis) => {
    const result = Input.validateDuration(input, "--timeout")
    expect(Either.isRight(result) && Duration.toMillis(result.right)).toBe(millis)
  })

  it.each(["0s", "soon", "-1s", "", "Infinity"])("refuses %j naming the field and the value", (input) => {
    expect(message(Input.validateDuration(input, "--timeout"))).toBe(
      `Invalid --timeout: ${JSON.stringify(input)} is not a positive duration (e.g. 30s, 500ms, 2m, "90 seconds")`
    )
  })

  it("refuses a non-finite Duration", () => {
    expect(message(Input.validateDuration(Duration.infinity, "timeout"))).toMatch(
      /^Invalid timeout: must be a positive/
    )
  })
})

describe("AsyncActionList.validateStatus / validateType", () => {
  it("are case-insensitive and name the field and the value", () => {
    expect(AsyncActionList.validateStatus("done")).toStrictEqual(Either.right("DONE"))
    expect(AsyncActionList.validateStatus(" In_Progress ")).toStrictEqual(Either.right("IN_PROGRESS"))
    expect(message(AsyncActionList.validateStatus("finished", "--status"))).toBe(
      'Invalid --status: "finished" is not a status (one of ENQUEUED, IN_PROGRESS, DONE, FAILED)'
    )
    expect(AsyncActionList.validateType("vouchers.import")).toStrictEqual(Either.right("VOUCHERS.IMPORT"))
    expect(message(AsyncActionList.validateType("VOUCHERS.EXPORT", "--type"))).toMatch(
      /^Invalid --type: "VOUCHERS.EXPORT" is not an async action type \(one of CAMPAIGN/
    )
  })

  it("validateLimit shows the value it refused", () => {
    expect(message(AsyncActionList.validateLimit("ten", "--limit"))).toBe(
      'Invalid --limit: must be an integer between 1 and 100 (got "ten")'
    )
    expect(message(AsyncActionList.validateLimit(0))).toBe(
      "Invalid limit: must be an integer between 1 and 100 (got 0)"
    )
  })
})
