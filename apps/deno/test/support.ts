import { execFile } from "node:child_process"
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

/** Runs a process without blocking the event loop (the emulator answers from this one); stdin is closed. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number }
): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = execFile(
      command,
      [...args],
      {
        cwd: options.cwd,
        env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...options.env },
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        timeout: options.timeoutMs ?? 25_000,
        killSignal: "SIGKILL"
      },
      (error, stdout, stderr) => {
        // A non-zero exit is a result here; only a failure to start is an error. Killed on timeout: code null.
        if (error !== null && typeof error.code === "string") return reject(error)
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null
        resolve({ code, stdout, stderr })
      }
    )
    child.stdin?.end()
  })
