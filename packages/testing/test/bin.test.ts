import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"

// Runs the built bin, as npm users do (turbo builds the package before its tests). Not through tsx: its
// CLI runs the program in a second process and relays signals, and on a loaded machine a relayed SIGTERM
// could end the child by the signal (exit 143) instead of through the bin's own handler.
const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url))

const start = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}) => {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, VOUCHERIFY_APP_ID: undefined, VOUCHERIFY_SECRET_KEY: undefined, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const output = { stdout: "", stderr: "" }
  child.stdout.on("data", (d: Buffer) => {
    output.stdout += d.toString()
  })
  child.stderr.on("data", (d: Buffer) => {
    output.stderr += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return { child, output, exited }
}

// Sized for a loaded machine: a start is well under 1 s when idle, several seconds with the cores busy.
const processTimeout = 60_000

const firstLine = (output: { stdout: string }, child: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const line = output.stdout.split("\n")[0]
      if (output.stdout.includes("\n") && line !== undefined) {
        clearInterval(timer)
        resolve(line)
      }
    }, 20)
    child.once("exit", () => {
      clearInterval(timer)
      reject(new Error("exited before printing"))
    })
  })

describe("CLI (bin.ts)", () => {
  it.live(
    "prints the URL, app id and generated secret, serves, and stops on SIGTERM",
    () =>
      Effect.promise(async () => {
        const { child, exited, output } = start(["--", "--port", "0", "--seed", "40", "--rate-limit", "100"]) // as `pnpm emulator -- …` passes it
        const line = await firstLine(output, child)
        const match =
          /^Voucherify emulator listening on (http:\/\/127\.0\.0\.1:\d+) \(app id (\S+), secret key ([0-9a-f]+)\)$/.exec(
            line
          )
        expect(match, line).not.toBeNull()
        const [, url, appId, secret] = match as unknown as [string, string, string, string]
        const response = await fetch(`${url}/v1/async-actions?limit=5`, {
          headers: { "x-app-id": appId, "x-app-token": secret }
        })
        expect(response.status).toBe(200)
        expect(response.headers.get("x-rate-limit-limit")).toBe("100")
        expect(((await response.json()) as { async_actions: Array<unknown> }).async_actions).toHaveLength(5)
        child.kill("SIGTERM")
        expect(await exited).toBe(0)
        await expect(fetch(`${url}/_emulator/health`)).rejects.toThrow()
      }),
    processTimeout
  )

  it.live(
    "never prints a secret that came from the environment",
    () =>
      Effect.promise(async () => {
        const secret = "env-secret-must-not-leak-4711"
        const { child, exited, output } = start(["--port", "0"], {
          VOUCHERIFY_APP_ID: "env-app",
          VOUCHERIFY_SECRET_KEY: secret
        })
        const line = await firstLine(output, child)
        expect(line).toMatch(/^Voucherify emulator listening on http:\/\/127\.0\.0\.1:\d+ \(app id env-app\)$/)
        const url = /(http:\/\/\S+) /.exec(line)![1]!
        const ok = await fetch(`${url}/v1/async-actions`, { headers: { "x-app-id": "env-app", "x-app-token": secret } })
        expect(ok.status).toBe(200)
        const denied = await fetch(`${url}/v1/async-actions`, {
          headers: { "x-app-id": "env-app", "x-app-token": "nope" }
        })
        expect(await denied.text()).not.toContain(secret)
        child.kill("SIGINT")
        expect(await exited).toBe(0)
        expect(output.stdout + output.stderr).not.toContain(secret)
      }),
    processTimeout
  )

  // One test per flag: each case starts a process (a few seconds on a loaded machine), and four in
  // one test used to exceed its 30 s with two CPU-bound processes alongside.
  it.live.each(
    [
      ["--port", "abc"],
      ["--bogus"],
      ["--faults", '{"serverError":3}'],
      ["--host", "0.0.0.0"],
      ["--outcome", "MAYBE"]
    ].map((args) => [args.join(" "), args] as const)
  )(
    "invalid flags exit 2 with a clear message: %s",
    ([, args]) =>
      Effect.promise(async () => {
        const { exited, output } = start(args)
        expect(await exited, args.join(" ")).toBe(2)
        expect(output.stderr).toMatch(/^voucherify-emulator: /)
      }),
    processTimeout
  )

  it.live(
    "--duration-ms and --outcome shape the actions started through the API",
    () =>
      Effect.promise(async () => {
        const { child, exited, output } = start(["--port", "0", "--duration-ms", "300", "--outcome", "FAILED"], {
          VOUCHERIFY_APP_ID: "app",
          VOUCHERIFY_SECRET_KEY: "secret"
        })
        const url = /(http:\/\/\S+) /.exec(await firstLine(output, child))![1]!
        const headers = { "x-app-id": "app", "x-app-token": "secret", "content-type": "application/json" }
        const started = await fetch(`${url}/v1/vouchers/import`, {
          method: "POST",
          headers,
          body: JSON.stringify([{ code: "A" }, { code: "B" }])
        })
        expect(started.status).toBe(202)
        const { async_action_id: id } = (await started.json()) as { async_action_id: string }
        const read = async () =>
          (await (await fetch(`${url}/v1/async-actions/${id}`, { headers })).json()) as { status: string }
        expect((await read()).status).toBe("IN_PROGRESS")
        await new Promise((resolve) => setTimeout(resolve, 500))
        expect((await read()).status).toBe("FAILED")
        child.kill("SIGTERM")
        expect(await exited).toBe(0)
      }),
    processTimeout
  )
})
