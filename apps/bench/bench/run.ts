/**
 * `pnpm bench`: every comparison of issue 7, on loopback against the emulator (faults off, rate limit off
 * unless a benchmark needs it), in one run. Prints tables and writes the same figures to
 * `apps/bench/results/latest.json`.
 *
 * Env: BENCH_ONLY=list,get,decode,waiters,memory (default all); LIST_ROUNDS, GET_ROUNDS, WARMUP;
 * MEMORY_SIZES (default 10000,100000,300000).
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { allContenders, type Contender } from "./contenders.js"
import { runChild, startEmulator } from "./emulator.js"
import { now, round, type Summary, summarize, table } from "./stats.js"

const here = dirname(fileURLToPath(import.meta.url))
const only = process.env.BENCH_ONLY?.split(",")
const enabled = (name: string) => only === undefined || only.includes(name)
const WARMUP = Number(process.env.WARMUP ?? 2)
const LIST_ROUNDS = Number(process.env.LIST_ROUNDS ?? 15)
const GET_ROUNDS = Number(process.env.GET_ROUNDS ?? 9)
const LIST_SIZE = 10_000
const GET_CALLS = 2_000

const machine = {
  node: process.version,
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  ramGiB: round(totalmem() / 1024 ** 3, 1),
  platform: `${process.platform} ${process.arch}`
}

interface Row {
  readonly contender: string
  readonly millis: Summary
  /** Per-round ratio to the raw loop (same round), summarised. */
  readonly ratioToRaw: Summary
  /**
   * CPU time of this (client) process per round, user + system, in ms. Far steadier than wall time on a
   * shared VM, and it is what the library adds: the emulator runs in another process.
   */
  readonly cpuMillis: Summary
  readonly cpuRatioToRaw: Summary
}

/** Runs every contender once per round, in a rotating order, and summarises the timed rounds. */
const sideBySide = async (
  contenders: ReadonlyArray<Contender>,
  work: (contender: Contender) => Promise<number>,
  expected: number,
  rounds: number
): Promise<ReadonlyArray<Row>> => {
  const times = new Map<string, Array<number>>(contenders.map((c) => [c.name, []]))
  const cpu = new Map<string, Array<number>>(contenders.map((c) => [c.name, []]))
  for (let r = 0; r < WARMUP + rounds; r++) {
    const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]!)
    for (const contender of order) {
      const start = now()
      const startCpu = process.cpuUsage()
      const n = await work(contender)
      const elapsed = now() - start
      const used = process.cpuUsage(startCpu)
      if (n !== expected) throw new Error(`${contender.name} returned ${n}, expected ${expected}`)
      if (r >= WARMUP) {
        times.get(contender.name)!.push(elapsed)
        cpu.get(contender.name)!.push((used.user + used.system) / 1000)
      }
    }
    process.stderr.write(".")
  }
  process.stderr.write("\n")
  const raw = times.get(contenders[0]!.name)!
  const rawCpu = cpu.get(contenders[0]!.name)!
  return contenders.map((c) => {
    const mine = times.get(c.name)!
    const mineCpu = cpu.get(c.name)!
    return {
      contender: c.name,
      millis: summarize(mine),
      ratioToRaw: summarize(mine.map((t, i) => t / raw[i]!)),
      cpuMillis: summarize(mineCpu),
      cpuRatioToRaw: summarize(mineCpu.map((t, i) => t / rawCpu[i]!))
    }
  })
}

const renderRows = (rows: ReadonlyArray<Row>, perItem: number, unit: string) =>
  table([
    [
      "contender",
      "median ms",
      "p25–p75 ms",
      `${unit}`,
      "× raw (median)",
      "× raw (min–max)",
      "client CPU ms",
      "CPU × raw"
    ],
    ...rows.map((row) => [
      row.contender,
      row.millis.median.toFixed(1),
      `${row.millis.p25.toFixed(1)}–${row.millis.p75.toFixed(1)}`,
      perItem === 0 ? "" : ((row.millis.median * 1000) / perItem).toFixed(1),
      row.ratioToRaw.median.toFixed(2),
      `${row.ratioToRaw.min.toFixed(2)}–${row.ratioToRaw.max.toFixed(2)}`,
      row.cpuMillis.median.toFixed(1),
      row.cpuRatioToRaw.median.toFixed(2)
    ])
  ])

const results: Record<string, unknown> = { generatedAt: new Date().toISOString(), machine }

const listAndGet = async () => {
  const emu = await startEmulator({ seed: LIST_SIZE })
  const contenders = allContenders(emu)
  try {
    // Correctness first: every contender sees the same 10 000 distinct ids.
    const reference: Array<string> = []
    await contenders[0]!.listAll(reference)
    const referenceSet = new Set(reference)
    if (referenceSet.size !== LIST_SIZE) throw new Error(`raw loop saw ${referenceSet.size} distinct ids`)
    for (const contender of contenders.slice(1)) {
      const ids: Array<string> = []
      await contender.listAll(ids)
      if (ids.length !== LIST_SIZE || !ids.every((id) => referenceSet.has(id))) {
        throw new Error(`${contender.name} listed ${ids.length} ids, not the same 10 000`)
      }
    }
    await emu.admin("DELETE", "/_emulator/requests")
    await contenders[0]!.listAll()
    const pages = ((await emu.admin("GET", "/_emulator/requests")) as Array<unknown>).length

    if (enabled("list")) {
      console.log(`\n1. List everything: ${LIST_SIZE} actions (${pages} requests of limit=100), ${LIST_ROUNDS} rounds`)
      const rows = await sideBySide(contenders, (c) => c.listAll(), LIST_SIZE, LIST_ROUNDS)
      console.log(renderRows(rows, LIST_SIZE, "µs/action"))
      results.list = { actions: LIST_SIZE, requests: pages, rounds: LIST_ROUNDS, warmup: WARMUP, rows }
    }
    if (enabled("get")) {
      const ids = reference.slice(0, GET_CALLS)
      console.log(`\n2. Get one: ${GET_CALLS} sequential gets, ${GET_ROUNDS} rounds`)
      const rows = await sideBySide(contenders, (c) => c.getEach(ids), GET_CALLS, GET_ROUNDS)
      console.log(renderRows(rows, GET_CALLS, "µs/get"))
      results.get = { calls: GET_CALLS, rounds: GET_ROUNDS, warmup: WARMUP, rows }
    }
  } finally {
    for (const contender of contenders) await contender.dispose()
    await emu.close()
  }
}

/** Runs the core package's decode benchmark (a colleague's) and reads its table. */
const decode = async () => {
  const coreDir = join(here, "..", "..", "..", "packages", "core")
  const pages = process.env.DECODE_PAGES ?? "300"
  console.log(`\n3. Decode (packages/core bench/decode.ts, ${pages} pages of 100)`)
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/decode.ts"], {
      cwd: coreDir,
      env: { ...process.env, PAGES: pages },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
    })
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`decode bench exited ${code}`))))
  })
  const rows = [...output.matchAll(/^(\([a-z]\) .+?)\s{2,}([\d,]+)\s+([\d.]+)\s*$/gm)].map((m) => ({
    decoder: m[1]!,
    actionsPerSecond: Number(m[2]!.replaceAll(",", "")),
    timesJsonParse: Number(m[3])
  }))
  console.log(output.trim())
  if (rows.length === 0) throw new Error("could not read the decode benchmark's table")
  results.decode = { pages: Number(pages), pageSize: 100, rows }
}

const waiters = async () => {
  console.log("\n4. Many waiters (fresh process; this takes about a minute)")
  const result = (await runChild(join(here, "waiters.ts"), {})) as Record<string, unknown>
  console.log(JSON.stringify(result, null, 2))
  results.waiters = result
}

const memory = async () => {
  const sizes = (process.env.MEMORY_SIZES ?? "10000,100000,300000").split(",").map(Number)
  console.log(`\n5. Constant memory: stream ${sizes.join(" vs ")} actions, each in a fresh process`)
  const rows: Array<Record<string, unknown>> = []
  for (const size of sizes) {
    const emu = await startEmulator({ seed: size })
    try {
      const env = { EMU_URL: emu.url, EMU_APP_ID: emu.appId, EMU_SECRET: emu.secretKey, EXPECTED: String(size) }
      // What Node itself does with the same traffic: the raw fetch + JSON.parse loop, measured the same way.
      const raw = (await runChild(join(here, "memory.ts"), { ...env, MODE: "raw" }, ["--expose-gc"])) as Record<
        string,
        unknown
      >
      rows.push({ ...raw, contender: "raw fetch + JSON.parse" })
      const plain = (await runChild(join(here, "memory.ts"), env, ["--expose-gc"])) as Record<string, unknown>
      const probe = (await runChild(join(here, "memory.ts"), { ...env, GC_PROBE: "1" }, ["--expose-gc"])) as {
        retainedAfterGcMbEvery10k: ReadonlyArray<number>
      }
      const retained = probe.retainedAfterGcMbEvery10k
      rows.push({
        ...plain,
        contender: "voucherify-effect stream (NodeTransport)",
        retainedAfterGcMbEvery10k: retained,
        retainedAfterGcMbLast: retained.at(-1) ?? 0
      })
      // The same stream on @effect/platform-node's undici client, for what the transport changes.
      const undici = (await runChild(join(here, "memory.ts"), { ...env, TRANSPORT: "undici" }, [
        "--expose-gc"
      ])) as Record<string, unknown>
      rows.push({ ...undici, contender: "voucherify-effect stream (platform undici)" })
    } finally {
      await emu.close()
    }
  }
  console.log(
    table([
      [
        "contender",
        "actions",
        "seconds",
        "baseline RSS MB",
        "peak RSS MB",
        "RSS growth MB",
        "peak heap growth MB",
        "heap after full GC MB"
      ],
      ...rows.map((row) =>
        [
          "contender",
          "actions",
          "seconds",
          "baselineRssMb",
          "peakRssMb",
          "rssGrowthMb",
          "heapGrowthMb",
          "retainedAfterGcMbLast"
        ].map((k) => String(row[k] ?? ""))
      )
    ])
  )
  results.memory = { rows, targetGrowthMb: 30 }
}

const gitRevision = () => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim()
  } catch {
    return "unknown"
  }
}

console.log(`voucherify-effect benchmarks on ${machine.cpu} ×${machine.nproc}, ${machine.ramGiB} GiB, ${machine.node}`)
results.revision = gitRevision()
if (enabled("list") || enabled("get")) await listAndGet()
if (enabled("decode")) await decode()
if (enabled("waiters")) await waiters()
if (enabled("memory")) await memory()

const outDir = join(here, "..", "results")
mkdirSync(outDir, { recursive: true })
const file = only === undefined ? "latest.json" : `partial-${only.join("-")}.json`
writeFileSync(join(outDir, file), `${JSON.stringify(results, null, 2)}\n`)
try {
  // Keep the committed file in the repository's formatting, so `biome check .` stays clean.
  execFileSync("pnpm", ["exec", "biome", "format", "--write", join(outDir, file)], { stdio: "ignore" })
} catch {
  // formatting is cosmetic
}
console.log(`\nwrote results/${file}`)
