import { describe, expect, it } from "@effect/vitest"
import * as BufferedGet from "../src/BufferedGet.js"

describe("BufferedGet", () => {
  it("Abort: listeners run once, on the first abort, with its reason; removed ones never", () => {
    const abort = new BufferedGet.Abort()
    const calls: Array<string> = []
    const removed = () => calls.push("removed")
    abort.on("abort", () => calls.push(`on ${String(abort.reason)}`))
    abort.once("abort", () => calls.push("once"))
    abort.on("abort", removed).removeListener("abort", removed)
    expect(abort.aborted).toBe(false)
    abort.abort("deadline")
    abort.abort("again")
    expect(calls).toEqual(["on deadline", "once"])
    expect(abort.aborted).toBe(true)
    expect(abort.reason).toBe("deadline")
  })

  it("Abort: a default reason is an Error", () => {
    const abort = new BufferedGet.Abort()
    abort.abort()
    expect(abort.reason).toBeInstanceOf(Error)
  })

  it("fromClient finds only a function under the mark", () => {
    const get: BufferedGet.BufferedGet = () => Promise.reject(new Error("unused"))
    expect(BufferedGet.fromClient({ [BufferedGet.TypeId]: get })).toBe(get)
    expect(BufferedGet.fromClient({ [BufferedGet.TypeId]: "not a function" })).toBeUndefined()
    expect(BufferedGet.fromClient({})).toBeUndefined()
    expect(BufferedGet.fromClient(undefined)).toBeUndefined()
  })
})
