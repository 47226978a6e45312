/**
 * `pnpm bench`: every comparison of issues 7 and 17, on loopback against the emulator (faults off, rate
 * limit off unless a benchmark needs it), in one run. Prints tables and writes the same figures to
 * `apps/bench/results/latest.json`, with the commit they were produced at (a run on a tree with
 * uncommitted changes to tracked files is marked `dirty`).
 *
 * Env: BENCH_ONLY=list,get,decode,waiters,memory,soak,cli (default all but soak and cli, which are their own
 * scripts, `pnpm bench:soak` and `pnpm bench:cli`, and write their own results files);
 * LIST_ROUNDS, GET_ROUNDS, WARMUP; CONTENDERS=<substring>,... (the floor always runs; for quick paired runs;
 * the results file is then partial-*.json); ORDER_SEED (the seed of each round's contender order); MEMORY_SIZES
 * (default 10000,100000,300000).
 */
import { spawn } from "node:child_process"
import { cpus, loadavg, totalmem } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { allContenders, type Contender, FLOOR, undiciVersion } from "./contenders.js"
import { runChild, startEmulator } from "./emulator.js"
import { gitRevision, now, round, type Summary, summarize, table, writeResults } from "./stats.js"

const here = dirname(fileURLToPath(import.meta.url))
const only = process.env.BENCH_ONLY?.split(",")
const enabled = (name: string) => (only === undefined ? name !== "soak" && name !== "cli" : only.includes(name))
const WARMUP = Number(process.env.WARMUP ?? 2)
const LIST_ROUNDS = Number(process.env.LIST_ROUNDS ?? 15)
const GET_ROUNDS = Number(process.env.GET_ROUNDS ?? 9)
const ORDER_SEED = Number(process.env.ORDER_SEED ?? 17)
const LIST_SIZE = 10_000
const GET_CALLS = 2_000

const machine = {
  node: process.version,
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  ramGiB: round(totalmem() / 1024 ** 3, 1),
  platform: `${process.platform} ${process.arch}`,
  undici: undiciVersion
}

/** The machine's load average (1 min) over a section: other tenants share this VM. */
const loadDuring = async <A>(work: () => Promise<A>): Promise<{ readonly result: A; readonly load: Summary }> => {
  const samples = [loadavg()[0]!]
  const timer = setInterval(() => samples.push(loadavg()[0]!), 5_000)
  try {
    const result = await work()
    samples.push(loadavg()[0]!)
    return { result, load: summarize(samples.map((x) => round(x, 2))) }
  } finally {
    clearInterval(timer)
  }
}

// A small seeded PRNG (mulberry32), so a run's contender orders can be replayed from its seed.
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** A uniformly random permutation (Fisher–Yates). */
const shuffled = <A>(xs: ReadonlyArray<A>, random: () => number): Array<A> => {
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

interface Row {
  readonly contender: string
  readonly millis: Summary
  /** Per-round ratio to the floor (same round), summarised. */
  readonly ratioToFloor: Summary
  /**
   * CPU time of this (client) process per round, user + system, in ms. Far steadier than wall time on a
   * shared VM, and it is what the library adds: the emulator runs in another process.
   */
  readonly cpuMillis: Summary
  readonly cpuRatioToFloor: Summary
}

/**
 * Runs every contender once per round, each round in its own random order (seeded; a contender does not
 * always follow the same neighbour), and summarises the timed rounds. Ratios are taken per round, to the
 * floor's time in that same round, then summarised.
 */
const sideBySide = async (
  contenders: ReadonlyArray<Contender>,
  work: (contender: Contender) => Promise<number>,
  expected: number,
  rounds: number,
  seed: number
): Promise<{ readonly rows: ReadonlyArray<Row>; readonly orders: ReadonlyArray<ReadonlyArray<number>> }> => {
  const times = new Map<string, Array<number>>(contenders.map((c) => [c.name, []]))
  const cpu = new Map<string, Array<number>>(contenders.map((c) => [c.name, []]))
  const random = prng(seed)
  const orders: Array<ReadonlyArray<number>> = []
  for (let r = 0; r < WARMUP + rounds; r++) {
    const order = shuffled(contenders, random)
    if (r >= WARMUP) orders.push(order.map((c) => contenders.indexOf(c)))
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
  const floor = times.get(FLOOR)!
  const floorCpu = cpu.get(FLOOR)!
  const rows = contenders.map((c) => {
    const mine = times.get(c.name)!
    const mineCpu = cpu.get(c.name)!
    return {
      contender: c.name,
      millis: summarize(mine),
      ratioToFloor: summarize(mine.map((t, i) => t / floor[i]!)),
      cpuMillis: summarize(mineCpu),
      cpuRatioToFloor: summarize(mineCpu.map((t, i) => t / floorCpu[i]!))
    }
  })
  return { rows, orders }
}

const renderRows = (rows: ReadonlyArray<Row>, perItem: number, unit: string) =>
  table([
    [
      "contender",
      "median ms",
      "p25–p75 ms",
      `${unit}`,
      "× floor (median)",
      "× floor (p25–p75)",
      "client CPU ms",
      "CPU × floor (median)",
      "CPU × floor (p25–p75)"
    ],
    ...rows.map((row) => [
      row.contender,
      row.millis.median.toFixed(1),
      `${row.millis.p25.toFixed(1)}–${row.millis.p75.toFixed(1)}`,
      perItem === 0 ? "" : ((row.millis.median * 1000) / perItem).toFixed(1),
      row.ratioToFloor.median.toFixed(2),
      `${row.ratioToFloor.p25.toFixed(2)}–${row.ratioToFloor.p75.toFixed(2)}`,
      row.cpuMillis.median.toFixed(1),
      row.cpuRatioToFloor.median.toFixed(2),
      `${row.cpuRatioToFloor.p25.toFixed(2)}–${row.cpuRatioToFloor.p75.toFixed(2)}`
    ])
  ])

const results: Record<string, unknown> = { generatedAt: new Date().toISOString(), machine }

const listAndGet = async () => {
  const emu = await startEmulator({ seed: LIST_SIZE })
  const picked = process.env.CONTENDERS?.split(",")
  const contenders = allContenders(emu).filter(
    (c) => picked === undefined || c.name === FLOOR || picked.some((p) => c.name.includes(p))
  )
  try {
    // Correctness first: every contender sees the same 10 000 distinct ids, with the same requests.
    const requestLog = async () => {
      const log = (await emu.admin("GET", "/_emulator/requests")) as ReadonlyArray<{
        readonly method: string
        readonly path: string
        readonly query: Record<string, string>
        readonly status: number
      }>
      await emu.admin("DELETE", "/_emulator/requests")
      return log.map((e) => `${e.method} ${e.path} ${JSON.stringify(Object.entries(e.query).sort())} ${e.status}`)
    }
    await emu.admin("DELETE", "/_emulator/requests")
    const reference: Array<string> = []
    await contenders[0]!.listAll(reference)
    const referenceRequests = await requestLog()
    const referenceSet = new Set(reference)
    if (referenceSet.size !== LIST_SIZE) throw new Error(`the floor saw ${referenceSet.size} distinct ids`)
    for (const contender of contenders.slice(1)) {
      const ids: Array<string> = []
      await contender.listAll(ids)
      if (ids.length !== LIST_SIZE || !ids.every((id) => referenceSet.has(id))) {
        throw new Error(`${contender.name} listed ${ids.length} ids, not the same 10 000`)
      }
      const requests = await requestLog()
      const differs = requests.findIndex((r, i) => r !== referenceRequests[i])
      if (requests.length !== referenceRequests.length || differs !== -1) {
        throw new Error(
          `${contender.name} sent ${requests.length} requests, the floor ${referenceRequests.length}; first difference: ${requests[differs]} vs ${referenceRequests[differs]}`
        )
      }
    }
    const pages = referenceRequests.length

    // One table: every contender side by side, per-round ratios to the floor, the machine's load alongside.
    const section = async (
      title: string,
      work: (c: Contender) => Promise<number>,
      expected: number,
      rounds: number,
      orderSeed: number,
      unit: string
    ) => {
      console.log(title)
      const { result, load } = await loadDuring(() => sideBySide(contenders, work, expected, rounds, orderSeed))
      console.log(renderRows(result.rows, expected, unit))
      console.log(`load average (1 min) during the section: median ${load.median}, max ${load.max}`)
      return {
        rounds,
        warmup: WARMUP,
        orderSeed,
        loadAverage: load,
        rows: result.rows,
        contenders: contenders.map((c) => c.name),
        orders: result.orders
      }
    }
    if (enabled("list")) {
      const title = `\n1. List everything: ${LIST_SIZE} actions (${pages} requests of limit=100), ${LIST_ROUNDS} rounds`
      const table = await section(title, (c) => c.listAll(), LIST_SIZE, LIST_ROUNDS, ORDER_SEED, "µs/action")
      results.list = { actions: LIST_SIZE, requests: pages, ...table }
    }
    if (enabled("get")) {
      const ids = reference.slice(0, GET_CALLS)
      const title = `\n2. Get one: ${GET_CALLS} sequential gets, ${GET_ROUNDS} rounds`
      const table = await section(title, (c) => c.getEach(ids), GET_CALLS, GET_ROUNDS, ORDER_SEED + 1, "µs/get")
      results.get = { calls: GET_CALLS, ...table }
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
      // What Node itself does with the same traffic: the floor's loop, measured the same way.
      const floor = (await runChild(join(here, "memory.ts"), { ...env, MODE: "floor" }, ["--expose-gc"])) as Record<
        string,
        unknown
      >
      rows.push({ ...floor, contender: FLOOR })
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

console.log(`voucherify-effect benchmarks on ${machine.cpu} ×${machine.nproc}, ${machine.ramGiB} GiB, ${machine.node}`)
const revision = gitRevision()
results.commit = revision.commit
results.dirty = revision.dirty
if (revision.dirty) console.log("note: uncommitted changes to tracked files; these figures describe no commit")
if (enabled("list") || enabled("get")) await listAndGet()
if (enabled("decode")) await decode()
if (enabled("waiters")) await waiters()
if (enabled("memory")) await memory()
if (enabled("soak")) {
  console.log("\n6. Soak (fresh process; see bench/soak.ts)")
  results.soak = await runChild(join(here, "soak.ts"), {}, ["--expose-gc"])
}
if (enabled("cli")) {
  console.log("\n7. CLI start-up and pipe (fresh processes; see bench/cli.ts)")
  results.cli = await runChild(join(here, "cli.ts"), {})
}

const file =
  only === undefined && process.env.CONTENDERS === undefined
    ? "latest.json"
    : `partial-${(only ?? ["all"]).join("-")}.json`
writeResults(join(here, "..", "results", file), results)
console.log(`\nwrote results/${file}`)
