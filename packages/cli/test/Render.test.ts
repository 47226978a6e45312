import { describe, expect, it } from "@effect/vitest"
import { AsyncAction } from "@voucherify-effect/core"
import { Schema } from "effect"
import * as Render from "../src/Render.js"
import * as Stdio from "../src/Stdio.js"

const decode = Schema.decodeUnknownSync(AsyncAction.AsyncAction)

const running = decode({
  id: "aa_0afb3d009a55814a48",
  type: "VOUCHERS.IMPORT",
  status: "IN_PROGRESS",
  created_at: "2024-01-31T12:00:00.000Z",
  progress: 42,
  object: "async_action"
})

const failedImport = decode({
  id: "aa_1afb3d009a55814a48",
  type: "VOUCHERS.IMPORT_CSV",
  status: "DONE",
  operation_status: "FAILED",
  created_at: "2024-01-31T12:00:00.000Z",
  updated_at: "2024-01-31T12:00:04.500Z",
  processing_time: 4500,
  progress: 100,
  request_id: "v-0abc",
  result: {
    message: "1 imported, 7 failed",
    done_count: 1,
    failed_count: 7,
    failed: Array.from({ length: 7 }, (_, i) => ({ row: i + 2, code: `C${i}`, reason: "duplicate" }))
  }
})

describe("Render", () => {
  it("bar", () => {
    expect(Render.bar(0, 10)).toBe("░░░░░░░░░░")
    expect(Render.bar(50, 10)).toBe("█████░░░░░")
    expect(Render.bar(100, 4)).toBe("████")
    expect(Render.bar(140, 4)).toBe("████")
  })

  it("formatMillis", () => {
    expect(Render.formatMillis(850)).toBe("850ms")
    expect(Render.formatMillis(4500)).toBe("4.5s")
    expect(Render.formatMillis(187_000)).toBe("3m 07s")
    expect(Render.formatMillis(7_500_000)).toBe("2h 05m")
  })

  it("summary lists counts and the first failed rows", () => {
    const text = Render.summary(failedImport, Render.plain).join("\n")
    expect(text).toContain("DONE (operation FAILED)")
    expect(text).toMatch(/processing\s+4.5s/)
    expect(text).toMatch(/result\s+import: 1 done, 7 failed/)
    expect(text).toContain("- row 2 · code C0 · duplicate")
    expect(text).toContain("… and 2 more")
    expect(text).not.toContain("\x1b")
  })

  it("colours only when asked", () => {
    expect(Render.tableRow(running, { color: true })).toContain("\x1b[33mIN_PROGRESS\x1b[0m")
    expect(Render.tableRow(running, Render.plain)).not.toContain("\x1b")
  })

  it("a type the library does not know is shown sanitised: no escape sequence or second line reaches the terminal", () => {
    const hostile = decode({
      id: "aa_2afb3d009a55814a48",
      type: "EVIL\u001b]0;pwned\u0007\u001b[2J\nSECOND LINE\u202e",
      status: "IN_PROGRESS",
      created_at: "2024-01-31T12:00:00.000Z",
      progress: 1,
      object: "async_action"
    })
    const shown = [
      Render.tableRow(hostile, Render.plain),
      Render.progressText(hostile),
      ...Render.summary(hostile, Render.plain)
    ].join("\n")
    const unsafe = [...shown].filter((char) => {
      const code = char.codePointAt(0) ?? 0
      return (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e)
    })
    expect(unsafe).toEqual([])
    expect(shown.split("\n")).toHaveLength(2 + Render.summary(hostile, Render.plain).length)
    expect(shown).toContain("EVIL")
    // A known type is shown as it is.
    expect(Render.tableRow(running, Render.plain)).toContain("VOUCHERS.IMPORT ")
  })

  it("table rows line up with the header", () => {
    const header = Render.tableHeader(Render.plain)
    const row = Render.tableRow(running, Render.plain)
    expect(row.indexOf("VOUCHERS.IMPORT")).toBe(header.indexOf("TYPE"))
    expect(row.indexOf("IN_PROGRESS")).toBe(header.indexOf("STATUS"))
    expect(row.indexOf("2024-01-31")).toBe(header.indexOf("CREATED"))
  })

  it("progress lines never exceed the terminal width", () => {
    const line = Render.progressLine(
      { id: running.id, action: running },
      { style: { color: true }, width: 50, frame: 0 }
    )
    expect(Stdio.stripAnsi(line).length).toBeLessThanOrEqual(50)
    expect(line.endsWith("\x1b[0m")).toBe(true)
  })

  it("redraw moves up over the previous block", () => {
    expect(Render.redraw(["a", "b"], 0)).toBe("\r\x1b[2Ka\n\r\x1b[2Kb\n")
    expect(Render.redraw(["a", "b"], 2)).toBe("\r\x1b[2A\r\x1b[2Ka\n\r\x1b[2Kb\n")
  })
})
