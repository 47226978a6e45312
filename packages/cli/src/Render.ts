/**
 * Pure text rendering: action summaries, list tables, progress bars and the ANSI sequences that redraw
 * them in place. Nothing here writes anywhere; colours are applied only when `Style.color` is true.
 *
 * @since 0.1.0
 */
import { AsyncAction, type AsyncActionResult, AsyncActionType, Sanitize } from "@voucherify-effect/core"
import { DateTime } from "effect"

/**
 * How to render: with ANSI colours or plain.
 *
 * @since 0.1.0
 * @category models
 */
export interface Style {
  readonly color: boolean
}

/**
 * @since 0.1.0
 * @category constants
 */
export const plain: Style = { color: false }

const sgr = (code: string) => (style: Style, text: string) => (style.color ? `\x1b[${code}m${text}\x1b[0m` : text)

/** @since 0.1.0 */
export const bold = sgr("1")
/** @since 0.1.0 */
export const dim = sgr("2")
/** @since 0.1.0 */
export const red = sgr("31")
/** @since 0.1.0 */
export const green = sgr("32")
/** @since 0.1.0 */
export const yellow = sgr("33")
/** @since 0.1.0 */
export const cyan = sgr("36")

/**
 * ANSI control sequences used to redraw lines in place.
 *
 * @since 0.1.0
 * @category constants
 */
export const ansi = {
  /** Moves the cursor up `n` lines (to column 0 with the `\r` that follows). */
  up: (n: number) => (n > 0 ? `\x1b[${n}A` : ""),
  /** Erases the current line. */
  clearLine: "\x1b[2K",
  hideCursor: "\x1b[?25l",
  showCursor: "\x1b[?25h"
} as const

/**
 * A millisecond count for people: `850ms`, `4.2s`, `3m 07s`, `2h 05m`.
 *
 * @since 0.1.0
 * @category utils
 */
export const formatMillis = (millis: number): string => {
  if (millis < 1000) return `${Math.round(millis)}ms`
  if (millis < 60_000) return `${(millis / 1000).toFixed(1)}s`
  const seconds = Math.floor(millis / 1000)
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`
}

/**
 * The status as shown to people: `DONE` becomes `DONE (FAILED)` when the operation failed, and the
 * colour follows the outcome (green succeeded, red failed, yellow running).
 *
 * @since 0.1.0
 * @category utils
 */
export const status = (action: AsyncAction.AsyncAction, style: Style): string => {
  const result = AsyncAction.outcome(action)
  const text =
    action.status === "DONE" && action.operationStatus === "FAILED" ? "DONE (operation FAILED)" : action.status
  switch (result) {
    case "Succeeded":
      return green(style, text)
    case "Failed":
      return red(style, text)
    case "Pending":
      return yellow(style, text)
  }
}

const progressOf = (action: AsyncAction.AsyncAction): number =>
  action.progress ?? (AsyncAction.isTerminal(action) ? 100 : 0)

/**
 * A progress bar of `width` cells: `█` for done, `░` for the rest.
 *
 * @since 0.1.0
 * @category utils
 */
export const bar = (percent: number, width: number): string => {
  const clamped = Math.max(0, Math.min(100, percent))
  const filled = Math.round((clamped / 100) * width)
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`
}

const iso = (date: DateTime.Utc) => DateTime.formatIso(date)

const maxListed = 5

// Text the server chose (messages, reasons, keys, report URLs) is shown sanitised: no terminal escapes,
// no second line, at most 200 characters.
const clean = (text: string): string => Sanitize.sanitize(text, { maxLength: 200 })

// A type the library does not know is the server's text too (any string up to 200 characters).
const typeOf = (action: AsyncAction.AsyncAction): string =>
  AsyncActionType.isKnown(action.type) ? action.type : clean(action.type)

const describeFailure = (row: AsyncActionResult.ImportFailure): string =>
  clean(
    [
      row.row === undefined ? undefined : `row ${row.row}`,
      row.code === undefined ? undefined : `code ${row.code}`,
      row.sourceId === undefined || row.sourceId === null ? undefined : `source_id ${row.sourceId}`,
      row.reason
    ]
      .filter((part) => part !== undefined)
      .join(" · ")
  )

const describeBulkError = (error: AsyncActionResult.BulkUpdateError): string =>
  clean(
    [
      error.code === undefined ? undefined : `code ${error.code}`,
      error.sourceId === undefined || error.sourceId === null ? undefined : `source_id ${error.sourceId}`,
      error.key,
      error.message,
      error.details
    ]
      .filter((part) => part !== undefined)
      .join(" · ")
  )

const listed = <A>(items: ReadonlyArray<A>, describe: (a: A) => string, style: Style): Array<string> => {
  const lines = items.slice(0, maxListed).map((item) => `    - ${describe(item)}`)
  if (items.length > maxListed) lines.push(dim(style, `    … and ${items.length - maxListed} more (see --json)`))
  return lines
}

/**
 * The lines describing a result, by its family.
 *
 * @since 0.1.0
 * @category rendering
 */
export const result = (value: AsyncActionResult.AsyncActionResult, style: Style): Array<string> => {
  const row = (label: string, text: string) => `  ${dim(style, label.padEnd(12))}${text}`
  switch (value._tag) {
    case "Import": {
      const lines = [
        row("result", `import: ${value.doneCount ?? 0} done, ${value.failedCount ?? value.failed?.length ?? 0} failed`)
      ]
      if (value.message !== undefined) lines.push(row("message", clean(value.message)))
      if (value.failed !== undefined && value.failed.length > 0) {
        lines.push(`  ${dim(style, "failed rows")}`, ...listed(value.failed, describeFailure, style))
      }
      return lines
    }
    case "Summary": {
      const lines = [row("result", `${value.doneCount ?? 0} done`)]
      if (value.message !== undefined) lines.push(row("message", clean(value.message)))
      return lines
    }
    case "BulkUpdate": {
      const lines = [row("result", `bulk update: ${value.doneCount ?? 0} done, ${value.failedCount ?? 0} failed`)]
      if (value.reports !== undefined && value.reports.length > 0) {
        const till =
          value.reportsAvailableTill === undefined ? "" : ` (available till ${iso(value.reportsAvailableTill)})`
        lines.push(row("reports", `${value.reports.length}${till}`), ...value.reports.map((r) => `    - ${clean(r)}`))
      }
      if (value.errors !== undefined && value.errors.length > 0) {
        lines.push(`  ${dim(style, "errors")}`, ...listed(value.errors, describeBulkError, style))
      }
      return lines
    }
    case "Unrecognized": {
      return [row("result", clean(JSON.stringify(value.raw) ?? "undefined"))]
    }
  }
}

/**
 * The readable summary of one action (`get` without `--json`).
 *
 * @since 0.1.0
 * @category rendering
 */
export const summary = (action: AsyncAction.AsyncAction, style: Style): Array<string> => {
  const row = (label: string, text: string) => `  ${dim(style, label.padEnd(12))}${text}`
  const progress = progressOf(action)
  const operation =
    action.operationStatus === undefined || action.status === "DONE"
      ? ""
      : dim(style, ` (operation ${action.operationStatus})`)
  const lines = [
    bold(style, action.id),
    row("type", typeOf(action)),
    row("status", `${status(action, style)}${operation}`),
    row("progress", `${bar(progress, 20)} ${progress}%`),
    row("created", iso(action.createdAt))
  ]
  if (action.updatedAt !== undefined) lines.push(row("updated", iso(action.updatedAt)))
  if (action.processingTime !== undefined) lines.push(row("processing", formatMillis(action.processingTime)))
  if (action.requestId !== undefined) lines.push(row("request id", action.requestId))
  if (action.result !== undefined) lines.push(...result(action.result, style))
  else if (AsyncAction.isTerminal(action)) lines.push(row("result", dim(style, "(none)")))
  return lines
}

const columns = [
  ["ID", 24],
  ["TYPE", 29],
  ["STATUS", 12],
  ["PROGRESS", 9],
  ["CREATED", 24]
] as const

const cell = (text: string, width: number, visible = text.length) =>
  visible >= width ? `${text} ` : `${text}${" ".repeat(width - visible)}`

/**
 * The header line of the list table. Column widths are fixed so rows can stream as pages arrive.
 *
 * @since 0.1.0
 * @category rendering
 */
export const tableHeader = (style: Style): string =>
  bold(
    style,
    columns
      .map(([name, width]) => cell(name, width))
      .join("")
      .trimEnd()
  )

/**
 * One row of the list table.
 *
 * @since 0.1.0
 * @category rendering
 */
export const tableRow = (action: AsyncAction.AsyncAction, style: Style): string => {
  const statusText = action.status
  const statusCell = cell(status(action, style), columns[2][1], statusText.length)
  const progress = action.progress === undefined ? "-" : `${action.progress}%`
  return [
    cell(action.id, columns[0][1]),
    cell(typeOf(action), columns[1][1]),
    statusCell,
    cell(progress, columns[3][1]),
    iso(action.createdAt)
  ].join("")
}

/**
 * What the watcher knows about one action.
 *
 * @since 0.1.0
 * @category models
 */
export interface WatchEntry {
  readonly id: string
  readonly action: AsyncAction.AsyncAction | undefined
  /** Set when the wait ended without a terminal state (timeout or error). */
  readonly ended?: "timeout" | "error" | undefined
}

const spinnerFrames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/**
 * One progress line of `watch`: icon, id, type, bar, percent and status, cut to `width` columns.
 *
 * @since 0.1.0
 * @category rendering
 */
export const progressLine = (
  entry: WatchEntry,
  options: { readonly style: Style; readonly width: number; readonly frame: number; readonly barWidth?: number }
): string => {
  const { style } = options
  const action = entry.action
  const state = action === undefined ? "Pending" : AsyncAction.outcome(action)
  const icon =
    entry.ended === "timeout"
      ? yellow(style, "⏱")
      : entry.ended === "error"
        ? red(style, "!")
        : state === "Succeeded"
          ? green(style, "✔")
          : state === "Failed"
            ? red(style, "✖")
            : cyan(style, spinnerFrames[options.frame % spinnerFrames.length] ?? "·")
  const percent = action === undefined ? 0 : progressOf(action)
  const barText = bar(percent, options.barWidth ?? 24)
  const paintedBar = state === "Failed" ? red(style, barText) : state === "Succeeded" ? green(style, barText) : barText
  const type = action === undefined ? "" : action.type
  const statusText =
    action === undefined
      ? dim(style, "waiting for first poll")
      : `${status(action, style)}${entry.ended === "timeout" ? yellow(style, " (timed out)") : ""}`
  const visibleFixed = 2 + entry.id.length + 1 + 29 + (options.barWidth ?? 24) + 6
  const line = `${icon} ${entry.id} ${cell(type, 29)}${paintedBar} ${`${percent}%`.padStart(4)}  ${statusText}`
  // Cut on a terminal so a line never wraps (wrapping would break the cursor-up redraw).
  if (visibleFixed > options.width) return truncateVisible(line, options.width)
  return line
}

/**
 * A plain progress line (no bar, no colours) for output that is not a terminal.
 *
 * @since 0.1.0
 * @category rendering
 */
export const progressText = (action: AsyncAction.AsyncAction): string => {
  const progress = action.progress === undefined ? "" : ` ${action.progress}%`
  const operation = action.operationStatus === undefined ? "" : ` operation=${action.operationStatus}`
  return `${action.id} ${typeOf(action)} ${action.status}${progress}${operation}`
}

// Cuts a string with ANSI sequences to `width` visible characters (then resets styles).
const truncateVisible = (text: string, width: number): string => {
  let visible = 0
  let out = ""
  let i = 0
  while (i < text.length && visible < width) {
    if (text[i] === "\x1b") {
      const end = text.indexOf("m", i)
      if (end === -1) break
      out += text.slice(i, end + 1)
      i = end + 1
      continue
    }
    const code = text.codePointAt(i) ?? 0
    const char = String.fromCodePoint(code)
    out += char
    i += char.length
    visible++
  }
  return text.includes("\x1b") ? `${out}\x1b[0m` : out
}

/**
 * The block of lines for a redraw: moves up over the `previous` block and rewrites every line.
 *
 * @since 0.1.0
 * @category rendering
 */
export const redraw = (lines: ReadonlyArray<string>, previous: number): string =>
  `${previous > 0 ? `\r${ansi.up(previous)}` : ""}${lines.map((line) => `\r${ansi.clearLine}${line}\n`).join("")}`
