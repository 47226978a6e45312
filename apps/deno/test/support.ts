import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("../../..", import.meta.url))
export const app = fileURLToPath(new URL("..", import.meta.url))
export const denoBin = fileURLToPath(new URL("../node_modules/.bin/deno", import.meta.url))
export const bundle = fileURLToPath(new URL("../dist/voucherify-async.mjs", import.meta.url))
export const nodeCli = fileURLToPath(new URL("../../poller/dist/bin.js", import.meta.url))

/** Deno started in the repository without `--config`/`--no-config` rewrites the root package.json. */
export const rootPackageJsonHash = (): string =>
  createHash("sha256")
    .update(readFileSync(new URL("../../../package.json", import.meta.url)))
    .digest("hex")

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a process without blocking the event loop (the emulator answers from this one). */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number }
): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 25_000)
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
