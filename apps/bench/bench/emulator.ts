// Runs the emulator (`@voucherify-effect/testing`'s CLI) in a child process, so the server's work never
// shares an event loop (or a CPU, on a multi-core machine) with the client being measured.
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

const require = createRequire(import.meta.url)
const binPath = join(dirname(require.resolve("@voucherify-effect/testing/package.json")), "dist", "bin.js")

export interface EmulatorProcess {
  readonly url: string
  readonly appId: string
  readonly secretKey: string
  readonly headers: Record<string, string>
  readonly child: ChildProcess
  /** GET/POST/DELETE on the emulator's admin API (`/_emulator/...`). */
  readonly admin: (method: string, path: string, body?: unknown) => Promise<unknown>
  readonly close: () => Promise<void>
}

export interface EmulatorArgs {
  readonly seed?: number
  readonly rateLimit?: number
  readonly durationMs?: number
}

export const startEmulator = (args: EmulatorArgs = {}): Promise<EmulatorProcess> =>
  new Promise((resolve, reject) => {
    const appId = `bench-${randomBytes(4).toString("hex")}`
    const secretKey = randomBytes(20).toString("hex")
    const argv = [binPath, "--port", "0"]
    if (args.seed !== undefined) argv.push("--seed", String(args.seed))
    // Without a limit asked for, the emulator's default 2 000/min would throttle the run: "off" keeps the
    // rate-limit headers on every response (as the API sends them) and never answers 429.
    argv.push("--rate-limit", args.rateLimit === undefined ? "off" : String(args.rateLimit))
    if (args.durationMs !== undefined) argv.push("--duration-ms", String(args.durationMs))
    const child = spawn(process.execPath, ["--max-old-space-size=4096", ...argv], {
      env: { ...process.env, VOUCHERIFY_APP_ID: appId, VOUCHERIFY_SECRET_KEY: secretKey },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    const onData = (chunk: Buffer) => {
      out += chunk.toString("utf8")
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match === null) return
      child.stdout?.off("data", onData)
      const url = match[1]!
      const headers = { "X-App-Id": appId, "X-App-Token": secretKey }
      resolve({
        url,
        appId,
        secretKey,
        headers,
        child,
        admin: async (method, path, body) => {
          const response = await fetch(`${url}${path}`, {
            method,
            headers: { "content-type": "application/json" },
            ...(body === undefined ? {} : { body: JSON.stringify(body) })
          })
          const text = await response.text()
          if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`)
          return text === "" ? undefined : JSON.parse(text)
        },
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once("exit", () => done())
            child.kill("SIGTERM")
          })
      })
    }
    child.stdout?.on("data", onData)
    child.once("error", reject)
    child.once("exit", (code) => reject(new Error(`emulator exited early (${code}): ${out}`)))
  })

/** Runs a benchmark script in a fresh Node process (tsx loader) and returns the JSON it prints last. */
export const runChild = (script: string, env: Record<string, string>, nodeArgs: ReadonlyArray<string> = []) =>
  new Promise<unknown>((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
    })
    child.once("error", reject)
    child.once("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? ""
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${out.slice(-2000)}`))
      try {
        resolve(JSON.parse(last))
      } catch {
        reject(new Error(`${script} printed no JSON result: ${out.slice(-2000)}`))
      }
    })
  })
