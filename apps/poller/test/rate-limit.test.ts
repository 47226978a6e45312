// End to end: VOUCHERIFY_RATE_LIMIT (in memory) and VOUCHERIFY_RATE_LIMIT_REDIS_URL (shared on Redis) through
// the built CLI. The shared budget itself is tested with a real redis-server in packages/rate-limit-redis.
import * as Net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { assertBuilt, cli, envFor, eventually, run, type Started, startEmulator } from "./support.js"

let emulator: Started
let env: Record<string, string>
let doneId: string

beforeAll(async () => {
  assertBuilt()
  emulator = await startEmulator({ seed: 3 })
  env = envFor(emulator.handle)
  doneId = (await run(emulator.handle.createAction({ type: "VOUCHERS.IMPORT", durationMillis: 0 }))).id
})

afterAll(() => emulator?.close())

// A loopback port nobody listens on.
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = Net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 9))
    })
  })

describe("voucherify-async: VOUCHERIFY_RATE_LIMIT and VOUCHERIFY_RATE_LIMIT_REDIS_URL", () => {
  it("VOUCHERIFY_RATE_LIMIT alone limits the process in memory: a second request waits for the next minute", async () => {
    await run(emulator.handle.clearRequests)
    const requests = async () => (await run(emulator.handle.requests)).length
    let stopped = false
    // `list --all` with one action per page needs several requests; at 1 per minute only the first goes.
    const result = await cli(["list", "--all", "--limit", "1"], {
      env: { ...env, VOUCHERIFY_RATE_LIMIT: "1" },
      timeoutMillis: 60_000,
      onSpawn: (child) => {
        void eventually(async () => (await requests()) >= 1, 30_000).then(() =>
          setTimeout(() => {
            stopped = true
            child.kill("SIGTERM")
          }, 3000)
        )
      }
    })
    expect(stopped).toBe(true)
    expect(result.code).toBe(130)
    expect(await requests()).toBe(1)
  })

  it("a bad VOUCHERIFY_RATE_LIMIT is a usage error naming the variable", async () => {
    const result = await cli(["get", doneId], { env: { ...env, VOUCHERIFY_RATE_LIMIT: "lots" } })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("VOUCHERIFY_RATE_LIMIT")
    expect(result.stdout).toBe("")
  })

  it("both variables: the shared limiter; Redis unreachable → one warning, the command still succeeds, no password", async () => {
    const password = "redis-password-never-shown"
    const result = await cli(["get", doneId, "--log-level", "warning"], {
      env: {
        ...env,
        VOUCHERIFY_RATE_LIMIT: "100",
        VOUCHERIFY_RATE_LIMIT_REDIS_URL: `redis://:${password}@127.0.0.1:${await closedPort()}`
      },
      timeoutMillis: 60_000
    })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(doneId)
    expect(result.stderr.match(/Shared rate limit unavailable/g)).toHaveLength(1)
    expect(`${result.stdout}${result.stderr}`).not.toContain(password)
  })

  it("VOUCHERIFY_RATE_LIMIT_REDIS_URL without a limit is a usage error", async () => {
    const result = await cli(["get", doneId], {
      env: { ...env, VOUCHERIFY_RATE_LIMIT_REDIS_URL: "redis://:secret-pass@127.0.0.1:6379" }
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("VOUCHERIFY_RATE_LIMIT")
    expect(result.stderr).not.toContain("secret-pass")
  })
})
