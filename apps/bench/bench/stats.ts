// Small statistics, formatting and results-file helpers shared by the benchmark scripts.
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"

export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  if (xs.length === 0) return Number.NaN
  const sorted = [...xs].sort((a, b) => a - b)
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export const median = (xs: ReadonlyArray<number>): number => quantile(xs, 0.5)

/** Median, quartiles and extremes of a sample. */
export interface Summary {
  readonly median: number
  readonly p25: number
  readonly p75: number
  readonly min: number
  readonly max: number
  readonly n: number
}

export const summarize = (xs: ReadonlyArray<number>): Summary => ({
  median: median(xs),
  p25: quantile(xs, 0.25),
  p75: quantile(xs, 0.75),
  min: Math.min(...xs),
  max: Math.max(...xs),
  n: xs.length
})

export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** Renders rows as an aligned text table; the first row is the header. */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)))
  const line = (row: ReadonlyArray<string>) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n")
}

export const mb = (bytes: number): number => round(bytes / (1024 * 1024), 1)

export const now = (): number => Number(process.hrtime.bigint()) / 1e6

/**
 * The commit the figures are produced at, and whether tracked files differ from it (files under
 * apps/bench/results aside): figures from a dirty tree describe no commit.
 */
export const gitRevision = (): { readonly commit: string; readonly dirty: boolean } => {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim()
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" })
      .split("\n")
      .some((line) => line.trim() !== "" && !line.includes("apps/bench/results/"))
    return { commit, dirty }
  } catch {
    return { commit: "unknown", dirty: true }
  }
}

/** Writes a results file in the repository's formatting (so `biome check .` stays clean). */
export const writeResults = (file: string, data: unknown): void => {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`)
  try {
    execFileSync("pnpm", ["exec", "biome", "format", "--write", file], { stdio: "ignore" })
  } catch {
    // formatting is cosmetic
  }
}
