// Small statistics and formatting helpers shared by the benchmark scripts.

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
