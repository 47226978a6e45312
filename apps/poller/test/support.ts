// Helpers for the end-to-end tests: spawn the BUILT CLI as a child process against an emulator running
// in the test process, and check every run for leaked secrets.
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { expect } from "@effect/vitest"
import { Emulator } from "@voucherify-effect/testing"
import { Effect, Exit, Redacted, Scope } from "effect"

export const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url))

export const assertBuilt = () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` before the poller tests`)
}

/** Distinctive secrets: every spawned process is checked for them in stdout and stderr. */
export const secretKey = "sk_test_SECRET_d41d8cd98f00b204e980"
export const wrongSecretKey = "sk_test_WRONG_SECRET_0cc175b9c0f1b6"
export const appId = "app_poller_tests"
const secrets = [secretKey, wrongSecretKey]

export interface Started {
  readonly handle: Emulator.EmulatorHandle
  readonly close: () => Promise<void>
}

/** Starts an emulator (real HTTP server on a free loopback port) in this process. */
export const startEmulator = async (options: Emulator.EmulatorOptions = {}): Promise<Started> => {
  const scope = Effect.runSync(Scope.make())
  const handle = await Effect.runPromise(Scope.extend(Emulator.make({ port: 0, appId, secretKey, ...options }), scope))
  return { handle, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

export const envFor = (handle: Emulator.EmulatorHandle): Record<string, string> => ({
  VOUCHERIFY_API_URL: handle.url,
  VOUCHERIFY_APP_ID: handle.appId,
  VOUCHERIFY_SECRET_KEY: Redacted.value(handle.secretKey)
})

export interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>
  /** Called once the child is spawned (to send signals, …). */
  readonly onSpawn?: (child: ChildProcess) => void
  readonly timeoutMillis?: number
}

/** A clean environment: no VOUCHERIFY_* from the developer's shell, no colours. */
const baseEnv = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    // The caller's colour settings must not leak into tests that check colours; they set them explicitly.
    if (value !== undefined && !key.startsWith("VOUCHERIFY_") && key !== "FORCE_COLOR" && key !== "NO_COLOR") {
      env[key] = value
    }
  }
  return env
}

const checkSecrets = (run: Run) => {
  for (const secret of secrets) {
    expect(run.stdout, "secret leaked to stdout").not.toContain(secret)
    expect(run.stderr, "secret leaked to stderr").not.toContain(secret)
  }
}

/** Spawns `command args` and collects its output; every run is checked for leaked secrets. */
export const spawnChecked = (command: string, args: ReadonlyArray<string>, options: RunOptions = {}): Promise<Run> =>
  new Promise((resolve, reject) => {
    const env = { ...baseEnv(), ...options.env }
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key]
    const child = spawn(command, args, { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${command} ${args.join(" ")} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, options.timeoutMillis ?? 30_000)
    child.once("error", reject)
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      const run = { code, signal, stdout, stderr }
      try {
        checkSecrets(run)
        resolve(run)
      } catch (error) {
        reject(error)
      }
    })
    options.onSpawn?.(child)
  })

/** Runs `node dist/bin.js ...args`. */
export const cli = (args: ReadonlyArray<string>, options: RunOptions = {}): Promise<Run> =>
  spawnChecked(process.execPath, [bin, ...args], options)

/** Parses NDJSON output, failing the test on any line that is not JSON. */
export const ndjson = (text: string): Array<Record<string, unknown>> =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>)

/** Polls `check` until it holds (or fails after `timeoutMillis`). */
export const eventually = async (check: () => Promise<boolean> | boolean, timeoutMillis = 10_000) => {
  const deadline = Date.now() + timeoutMillis
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error("condition not met in time")
}

export const run = <A>(effect: Effect.Effect<A>): Promise<A> => Effect.runPromise(effect)
