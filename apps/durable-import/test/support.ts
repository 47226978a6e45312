// Real processes for the end-to-end tests: the built CLI, run against an emulator in this process, and
// helpers to wait for what the emulator saw.
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type { Emulator } from "@voucherify-effect/testing"
import { Effect, Redacted } from "effect"

export const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url))

export interface Run {
  readonly child: ChildProcess
  readonly output: { stdout: string; stderr: string }
  /** The exit code (null when killed by a signal) and the wall time since the spawn. */
  readonly exited: Promise<{ readonly code: number | null; readonly millis: number }>
}

/** Spawns `node dist/bin.js ARGS` with the emulator's credentials in the environment. */
export const spawnCli = (
  emulator: Emulator.EmulatorHandle,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {}
): Run => {
  const startedAt = Date.now()
  const child = spawn(process.execPath, [bin, ...args], {
    env: {
      ...process.env,
      VOUCHERIFY_API_URL: emulator.url,
      VOUCHERIFY_APP_ID: emulator.appId,
      VOUCHERIFY_SECRET_KEY: Redacted.value(emulator.secretKey),
      ...env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const output = { stdout: "", stderr: "" }
  child.stdout?.on("data", (d: Buffer) => {
    output.stdout += d.toString()
  })
  child.stderr?.on("data", (d: Buffer) => {
    output.stderr += d.toString()
  })
  const exited = new Promise<{ code: number | null; millis: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, millis: Date.now() - startedAt }))
  )
  return { child, output, exited }
}

/** Runs the CLI to its end. */
export const runCli = (
  emulator: Emulator.EmulatorHandle,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {}
) =>
  Effect.promise(async () => {
    const run = spawnCli(emulator, args, env)
    const { code, millis } = await run.exited
    return { code, millis, stdout: run.output.stdout, stderr: run.output.stderr }
  })

/** A fresh temporary directory, removed with the scope. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "durable-import-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

export const starts = (requests: ReadonlyArray<Emulator.RequestLogEntry>) =>
  requests.filter((r) => r.method === "POST" && r.path === "/v1/vouchers/import")

export const polls = (requests: ReadonlyArray<Emulator.RequestLogEntry>) =>
  requests.filter((r) => r.method === "GET" && r.path.startsWith("/v1/async-actions/"))

/** Waits until the emulator's log satisfies `done` (checked every 100 ms), at most `withinMillis`. */
export const waitForRequests = (
  emulator: Emulator.EmulatorHandle,
  done: (requests: ReadonlyArray<Emulator.RequestLogEntry>) => boolean,
  withinMillis: number
) =>
  Effect.gen(function* () {
    const deadline = Date.now() + withinMillis
    for (;;) {
      const requests = yield* emulator.requests
      if (done(requests)) return requests
      if (Date.now() > deadline)
        return yield* Effect.dieMessage(`the emulator did not see the expected requests in ${withinMillis} ms`)
      yield* Effect.sleep("100 millis")
    }
  })
