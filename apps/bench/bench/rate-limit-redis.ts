/**
 * The shared rate limiter (`@voucherify-effect/rate-limit-redis`), in two parts; run by `pnpm bench` after the
 * main benchmarks, or alone: `tsx bench/rate-limit-redis.ts` (needs `redis-server`). Prints tables and writes
 * `results/rate-limit-redis.json`.
 *
 * 1. Overhead per request: sequential `AsyncActions.get` against the emulator (child process, limit off) with
 *    no limiter, the in-memory one and the Redis one (a real redis-server on loopback), rounds rotating the
 *    order; each round's time per request and client CPU per request, as a ratio to "none" in the same round.
 * 2. The fleet at Voucherify's real 60 s window: four worker processes (the fleet test's worker), one budget
 *    on Redis, against an emulator enforcing the same limit; requests per minute as the emulator counted them.
 *
 * Env: OVERHEAD_CALLS (500 per contender per round), OVERHEAD_ROUNDS (7), FLEET_LIMIT (200 per minute),
 * FLEET_HISTORY (800), FLEET_ACTIONS (24 per worker), BENCH_REDIS_ONLY=overhead|fleet.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { loadavg, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { AsyncActions, RateLimit, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { RedisRateLimit } from "@voucherify-effect/rate-limit-redis"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { startEmulator } from "./emulator.js"
import { gitRevision, median, now, round, table } from "./stats.js"

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const packageDir = dirname(require.resolve("@voucherify-effect/rate-limit-redis/package.json"))
const workerPath = join(packageDir, "test", "fixtures", "worker.mjs")
const CALLS = Number(process.env.OVERHEAD_CALLS ?? 500)
const ROUNDS = Number(process.env.OVERHEAD_ROUNDS ?? 7)
const FLEET_LIMIT = Number(process.env.FLEET_LIMIT ?? 200)
const FLEET_HISTORY = Number(process.env.FLEET_HISTORY ?? 800)
const FLEET_ACTIONS = Number(process.env.FLEET_ACTIONS ?? 24)
const only = process.env.BENCH_REDIS_ONLY

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

// A redis-server of our own: free loopback port, temporary directory, no persistence.
const startRedis = async (): Promise<{ url: string; stop: () => Promise<void> }> => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "bench-redis-"))
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"]
  const child: ChildProcess = spawn("redis-server", args, { stdio: ["ignore", "pipe", "inherit"] })
  await new Promise<void>((resolve, reject) => {
    let out = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
      if (out.includes("Ready to accept connections")) resolve()
    })
    child.once("error", reject)
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code})`)))
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => {
          rmSync(dir, { recursive: true, force: true })
          resolve()
        })
        child.kill("SIGTERM")
      })
  }
}

const cpuMillis = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

const overhead = async (redisUrl: string) => {
  console.log(`\nR1. Per-request overhead of the limiter: ${CALLS} sequential gets per contender, ${ROUNDS} rounds`)
  const emu = await startEmulator({ seed: 100, rateLimit: 1_000_000 })
  try {
    const id = ((await emu.admin("POST", "/_emulator/async-actions", { type: "VOUCHERS.IMPORT" })) as { id: string }).id
    const client = VoucherifyClient.layer({
      apiUrl: emu.url,
      appId: emu.appId,
      secretKey: Redacted.make(emu.secretKey)
    })
    const make = (limiter: Layer.Layer<RateLimit.VoucherifyRateLimiter> | undefined) =>
      ManagedRuntime.make(
        AsyncActions.layer.pipe(
          Layer.provide(client),
          Layer.provide(limiter ?? Layer.empty),
          Layer.provide(NodeTransport.layer),
          Layer.orDie
        )
      )
    const contenders = [
      { name: "none (server pauses only)", runtime: make(undefined) },
      {
        name: "in memory (RateLimit.layer)",
        runtime: make(Layer.orDie(RateLimit.layer({ requestsPerMinute: 1_000_000 })))
      },
      {
        name: "Redis (RedisRateLimit.layer)",
        runtime: make(
          Layer.orDie(RedisRateLimit.layer({ url: redisUrl, key: "bench-overhead", requestsPerMinute: 1_000_000 }))
        )
      }
    ]
    const loop = Effect.forEach(Array.from({ length: CALLS }), () => AsyncActions.get(id), { discard: true })
    for (const c of contenders) await c.runtime.runPromise(loop) // warm-up
    const perRound: Array<Record<string, { wall: number; cpu: number }>> = []
    for (let r = 0; r < ROUNDS; r++) {
      const round: Record<string, { wall: number; cpu: number }> = {}
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(r + k) % contenders.length]!
        const cpu0 = cpuMillis()
        const t0 = now()
        await c.runtime.runPromise(loop)
        round[c.name] = { wall: (now() - t0) / CALLS, cpu: (cpuMillis() - cpu0) / CALLS }
      }
      perRound.push(round)
    }
    for (const c of contenders) await c.runtime.dispose()
    const base = contenders[0]!.name
    const rows = contenders.map((c) => {
      const wall = median(perRound.map((r) => r[c.name]!.wall))
      const cpu = median(perRound.map((r) => r[c.name]!.cpu))
      const wallRatio = median(perRound.map((r) => r[c.name]!.wall / r[base]!.wall))
      const cpuRatio = median(perRound.map((r) => r[c.name]!.cpu / r[base]!.cpu))
      return {
        contender: c.name,
        wallMs: round(wall, 3),
        cpuMs: round(cpu, 3),
        wallRatio: round(wallRatio, 2),
        cpuRatio: round(cpuRatio, 2)
      }
    })
    console.log(
      table([
        ["limiter", "ms/request (median)", "× none (wall)", "client CPU ms/request", "× none (CPU)"],
        ...rows.map((r) => [r.contender, String(r.wallMs), String(r.wallRatio), String(r.cpuMs), String(r.cpuRatio)])
      ])
    )
    return { calls: CALLS, rounds: ROUNDS, rows }
  } finally {
    await emu.close()
  }
}

const runWorker = (env: Record<string, string>) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VOUCHERIFY_")))
    const child = spawn(process.execPath, [workerPath], {
      env: { ...inherited, ...env },
      stdio: ["ignore", "pipe", "ignore"]
    })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
    })
    child.once("exit", (code) => resolve({ code, out }))
  })

const fleet = async (redisUrl: string) => {
  console.log(`\nR2. Four processes, one budget of ${FLEET_LIMIT}/min on Redis, against an emulator enforcing it`)
  const emu = await startEmulator({ seed: FLEET_HISTORY, rateLimit: FLEET_LIMIT })
  try {
    const ids: Array<Array<string>> = [[], [], [], []]
    let createdAt = Date.now() - 4 * FLEET_ACTIONS - 1
    for (let n = 0; n < 4 * FLEET_ACTIONS; n++) {
      const wire = (await emu.admin("POST", "/_emulator/async-actions", {
        type: "VOUCHERS.IMPORT",
        duration_ms: 5000 + ((n * 37) % 100) * 600,
        outcome: n % 5 === 2 ? "FAILED" : "SUCCESS",
        created_at_ms: createdAt++
      })) as { id: string }
      ids[n % 4]!.push(wire.id)
    }
    await emu.admin("DELETE", "/_emulator/requests")
    const startedAt = Date.now()
    const workers = await Promise.all(
      ids.map((mine) =>
        runWorker({
          VOUCHERIFY_API_URL: emu.url,
          VOUCHERIFY_APP_ID: emu.appId,
          VOUCHERIFY_SECRET_KEY: emu.secretKey,
          VOUCHERIFY_RATE_LIMIT: String(FLEET_LIMIT),
          VOUCHERIFY_RATE_LIMIT_REDIS_URL: redisUrl,
          FLEET_IDS: mine.join(","),
          FLEET_PAGE_SIZE: "10",
          FLEET_WINDOW_MS: "60000"
        })
      )
    )
    const wallSeconds = round((Date.now() - startedAt) / 1000, 1)
    const log = (await emu.admin("GET", "/_emulator/requests")) as Array<{ at: number; status: number }>
    const times = log.map((r) => r.at).sort((a, b) => a - b)
    let maxInWindow = 0
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 60_000) j++
      maxInWindow = Math.max(maxInWindow, i - j + 1)
    }
    const perMinute: Array<number> = []
    for (const t of times) {
      const index = Math.floor((t - startedAt) / 60_000)
      while (perMinute.length <= index) perMinute.push(0)
      perMinute[index] = perMinute[index]! + 1
    }
    const result = {
      limit: FLEET_LIMIT,
      requests: times.length,
      status429: log.filter((r) => r.status === 429).length,
      maxInAnySliding60s: maxInWindow,
      perMinute,
      workersOk: workers.filter((w) => w.code === 0).length,
      wallSeconds
    }
    console.log(
      table([
        ["minute from start", ...perMinute.map((_, i) => String(i + 1)), "max in any sliding 60 s", "429s"],
        ["requests (emulator log)", ...perMinute.map(String), String(maxInWindow), String(result.status429)]
      ])
    )
    console.log(`${result.requests} requests in ${wallSeconds} s; workers exiting 0: ${result.workersOk} of 4`)
    return result
  } finally {
    await emu.close()
  }
}

const redis = await startRedis()
const results: Record<string, unknown> = {
  node: process.version,
  at: new Date().toISOString(),
  ...gitRevision(),
  loadAverageBefore: loadavg()[0]
}
try {
  if (only === undefined || only === "overhead") results.overhead = await overhead(redis.url)
  if (only === undefined || only === "fleet") results.fleet = await fleet(redis.url)
} finally {
  await redis.stop()
}
results.loadAverageAfter = loadavg()[0]
const outDir = join(here, "..", "results")
mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, "rate-limit-redis.json"), `${JSON.stringify(results, null, 2)}\n`)
// As the repository's formatter writes it, so the committed file passes `biome check`.
execFileSync("pnpm", ["exec", "biome", "format", "--write", join(outDir, "rate-limit-redis.json")], { stdio: "ignore" })
