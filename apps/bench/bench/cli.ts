/**
 * `pnpm bench:cli`: start-up and pipe speed of the built `voucherify-async` CLI (apps/poller/dist/bin.js),
 * as ratios measured in one run, interleaved round by round:
 *
 * - `--version` and `--help` against `node -e 0` (target ≤ 2.5×);
 * - `list --all --json` over 10 000 actions against a raw loop process (`fetch` + `JSON.parse`, the same
 *   cursor, printing the same NDJSON) on the same emulator (target ≤ 1.5×).
 *
 * Every command runs as its own process with stdout to a file (checked afterwards: same lines), under
 * `bash -c '…; times'`, so both the wall time and the CPU time (user + system) of the process are
 * recorded. On a loaded machine wall time is noisy; CPU time and the per-round ratios are the figures to
 * trust. Writes apps/bench/results/cli.json.
 *
 * Env: CLI_ROUNDS (default 5), CLI_ACTIONS (default 10000); CLI_BEFORE=path/to/an/older/dist/bin.js adds that
 * build's `--version` and `list --all --json` to the same rounds (before/after on the same server).
 */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { startEmulator } from "./emulator.js"
import { gitRevision, median, round, table, writeResults } from "./stats.js"

const here = dirname(fileURLToPath(import.meta.url))
const bin = join(here, "..", "..", "poller", "dist", "bin.js")
const ROUNDS = Number(process.env.CLI_ROUNDS ?? 5)
const ACTIONS = Number(process.env.CLI_ACTIONS ?? 10_000)
const BEFORE = process.env.CLI_BEFORE

if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` first`)
const loadBefore = loadavg()[0]

// The raw contender: what a script without any library would do, printing NDJSON in one write per page.
const rawLoop = `
const [url, appId, secretKey] = process.argv.slice(2)
const headers = { "x-app-id": appId, "x-app-token": secretKey }
let endDate
let boundary = new Set()
for (;;) {
  const query = endDate === undefined ? "" : "&end_date=" + encodeURIComponent(endDate)
  const response = await fetch(url + "/v1/async-actions?limit=100" + query, { headers })
  if (!response.ok) throw new Error("HTTP " + response.status)
  const page = JSON.parse(await response.text())
  let oldest = Infinity
  let out = ""
  for (const item of page.async_actions) {
    const at = Date.parse(item.created_at)
    if (at < oldest) oldest = at
    if (!boundary.has(item.id)) out += JSON.stringify(item) + "\\n"
  }
  if (out !== "") await new Promise((resolve) => process.stdout.write(out, resolve))
  if (page.async_actions.length === 0 || page.has_more === false) break
  boundary = new Set(page.async_actions.filter((item) => Date.parse(item.created_at) <= oldest + 1).map((item) => item.id))
  endDate = new Date(oldest + 1).toISOString()
}
`

interface Measured {
  readonly wallMs: number
  readonly cpuMs: number
  readonly lines: number
}

const dir = mkdtempSync(join(tmpdir(), "voucherify-bench-cli-"))
const rawScript = join(dir, "raw.mjs")
writeFileSync(rawScript, rawLoop)

const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`

// Runs `argv` in bash with stdout to a file; `times` reports the children's user and system CPU.
const measure = (argv: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Measured> =>
  new Promise((resolve, reject) => {
    const out = join(dir, "out.txt")
    const started = process.hrtime.bigint()
    const child = spawn("bash", ["-c", `${argv.map(quote).join(" ")} > ${quote(out)} || exit 99; times`], {
      env: { ...process.env, ...env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let text = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk
    })
    child.once("error", reject)
    child.once("close", (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6
      if (code !== 0) return reject(new Error(`${argv.join(" ")} failed (${code})`))
      // `times`: the shell's own user/sys, then its children's: "0m0.412s 0m0.051s".
      const children = text.trim().split("\n").at(-1) ?? ""
      const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]))
      const cpuMs = ((seconds[0] ?? 0) + (seconds[1] ?? 0)) * 1000
      const output = readFileSync(out, "utf8")
      resolve({ wallMs, cpuMs, lines: output === "" ? 0 : output.trimEnd().split("\n").length })
    })
  })

const emu = await startEmulator({ seed: ACTIONS })
const env = { VOUCHERIFY_API_URL: emu.url, VOUCHERIFY_APP_ID: emu.appId, VOUCHERIFY_SECRET_KEY: emu.secretKey }
const contenders: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["node -e 0", [process.execPath, "-e", "0"]],
  ["voucherify-async --version", [process.execPath, bin, "--version"]],
  ["voucherify-async --help", [process.execPath, bin, "--help"]],
  [`raw fetch loop (${ACTIONS})`, [process.execPath, rawScript, emu.url, emu.appId, emu.secretKey]],
  [`voucherify-async list --all --json (${ACTIONS})`, [process.execPath, bin, "list", "--all", "--json"]],
  ...(BEFORE === undefined
    ? []
    : ([
        ["before: --version", [process.execPath, BEFORE, "--version"]],
        [`before: list --all --json (${ACTIONS})`, [process.execPath, BEFORE, "list", "--all", "--json"]]
      ] as const))
]

const results = new Map<string, Array<Measured>>(contenders.map(([name]) => [name, []]))
try {
  // One warm-up round (file cache, JIT of the emulator), then ROUNDS interleaved rounds.
  for (let round = -1; round < ROUNDS; round++) {
    for (const [name, argv] of contenders) {
      const measured = await measure(argv, env)
      if (round >= 0) results.get(name)?.push(measured)
    }
  }
} finally {
  await emu.close()
  rmSync(dir, { recursive: true, force: true })
}

const at = (index: number) => results.get(contenders[index]![0]) ?? []
const med = (xs: ReadonlyArray<Measured>, key: "wallMs" | "cpuMs") => median(xs.map((x) => x[key]))
// The ratio of two contenders, per round, then the median of those.
const ratio = (a: number, b: number, key: "wallMs" | "cpuMs") =>
  median(at(a).map((x, i) => x[key] / (at(b)[i]?.[key] ?? Number.NaN)))

const rawLines = at(3).map((x) => x.lines)
const cliLines = [...at(4), ...(BEFORE === undefined ? [] : at(6))].map((x) => x.lines)
if (!rawLines.every((n) => n === ACTIONS) || !cliLines.every((n) => n === ACTIONS)) {
  throw new Error(`both should print ${ACTIONS} lines: raw ${rawLines.join(",")}, cli ${cliLines.join(",")}`)
}

const figures = {
  rounds: ROUNDS,
  actions: ACTIONS,
  node: process.version,
  nproc: cpus().length,
  medians: Object.fromEntries(
    contenders.map(([name], index) => [
      name,
      { wallMs: round(med(at(index), "wallMs"), 1), cpuMs: round(med(at(index), "cpuMs"), 1) }
    ])
  ),
  ratios: {
    versionToNode: { wall: round(ratio(1, 0, "wallMs")), cpu: round(ratio(1, 0, "cpuMs")) },
    helpToNode: { wall: round(ratio(2, 0, "wallMs")), cpu: round(ratio(2, 0, "cpuMs")) },
    listAllToRaw: { wall: round(ratio(4, 3, "wallMs")), cpu: round(ratio(4, 3, "cpuMs")) },
    ...(BEFORE === undefined
      ? {}
      : {
          beforeVersionToNode: { wall: round(ratio(5, 0, "wallMs")), cpu: round(ratio(5, 0, "cpuMs")) },
          beforeListAllToRaw: { wall: round(ratio(6, 3, "wallMs")), cpu: round(ratio(6, 3, "cpuMs")) }
        })
  }
}

console.log(
  table([
    ["process", "wall ms (median)", "cpu ms (median)"],
    ...contenders.map(([name], index) => [
      name,
      String(round(med(at(index), "wallMs"), 1)),
      String(round(med(at(index), "cpuMs"), 1))
    ])
  ])
)
console.log(
  table([
    ["ratio (median of per-round ratios)", "wall", "cpu", "target"],
    ["--version / node -e 0", ...Object.values(figures.ratios.versionToNode).map(String), "≤ 2.5"],
    ["--help / node -e 0", ...Object.values(figures.ratios.helpToNode).map(String), "≤ 2.5"],
    ["list --all --json / raw loop", ...Object.values(figures.ratios.listAllToRaw).map(String), "≤ 1.5"],
    ...(figures.ratios.beforeVersionToNode === undefined || figures.ratios.beforeListAllToRaw === undefined
      ? []
      : [
          ["before: --version / node -e 0", ...Object.values(figures.ratios.beforeVersionToNode).map(String), ""],
          ["before: list --all --json / raw loop", ...Object.values(figures.ratios.beforeListAllToRaw).map(String), ""]
        ])
  ])
)
// The commit, whether tracked files differed from it, and the machine's load, as every results file records.
writeResults(join(here, "..", "results", "cli.json"), {
  ...gitRevision(),
  loadAverage: { before: loadBefore, after: loadavg()[0] },
  ...figures
})
console.log(JSON.stringify(figures))
