// Shared by the consumer tests: run a process with a clean environment, pack the published packages.
import { execFile, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("../../..", import.meta.url))
export const packages = ["core", "http", "node", "testing", "rate-limit-redis", "workflow"] as const
export type PackageName = (typeof packages)[number]

// The child processes must not see the variables `pnpm run` sets (npm would read them as its own config).
export const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^(npm_(package|lifecycle|config_user_agent|command|execpath|node_execpath)|PNPM_|INIT_CWD)/i.test(key)
  )
)

export interface Ran {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

export const run = (
  command: string,
  args: ReadonlyArray<string>,
  cwd: string,
  timeout = 120_000,
  extraEnv: NodeJS.ProcessEnv = {}
): Ran => {
  const result = spawnSync(command, args, { cwd, env: { ...env, ...extraEnv }, encoding: "utf8", timeout })
  return { status: result.status, stdout: result.stdout ?? "", stderr: `${result.stderr ?? ""}${result.error ?? ""}` }
}

/** Like {@link run}, without blocking the event loop (for a server this process serves). */
export const runAsync = (
  command: string,
  args: ReadonlyArray<string>,
  cwd: string,
  timeout = 120_000,
  extraEnv: NodeJS.ProcessEnv = {}
): Promise<Ran> =>
  new Promise((resolve) => {
    const child = execFile(
      command,
      [...args],
      { cwd, env: { ...env, ...extraEnv }, encoding: "utf8", timeout, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : null
        resolve({ status, stdout, stderr: `${stderr}${error !== null && status === null ? String(error) : ""}` })
      }
    )
    child.stdin?.end()
  })

export const ok = (ran: Ran, what: string): string => {
  if (ran.status !== 0) throw new Error(`${what} exited with ${ran.status}\n${ran.stdout}\n${ran.stderr}`)
  return ran.stdout
}

export const pkgJson = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    name: string
    version: string
    dependencies?: Record<string, string>
  }

/**
 * Packs every published package into `dir` (pnpm replaces `workspace:` ranges); returns the tarball paths.
 * Asynchronous: a test worker blocked for long loses its connection to vitest.
 */
export const packAll = async (dir: string): Promise<Record<PackageName, string>> => {
  mkdirSync(dir, { recursive: true })
  const tarballs: Partial<Record<PackageName, string>> = {}
  for (const name of packages) {
    ok(await runAsync("pnpm", ["pack", "--pack-destination", dir], join(root, "packages", name)), `pnpm pack ${name}`)
    const tarball = join(dir, `voucherify-effect-${name}-${pkgJson(join(root, "packages", name)).version}.tgz`)
    if (!existsSync(tarball)) throw new Error(`pnpm pack ${name} wrote no ${tarball}`)
    tarballs[name] = tarball
  }
  return tarballs as Record<PackageName, string>
}
