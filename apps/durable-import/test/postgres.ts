// A throwaway PostgreSQL server for one test: `initdb` in a temporary directory, `pg_ctl start` on a free
// loopback port, `pg_ctl stop` and the directory removed with the scope. PostgreSQL refuses to run as root:
// as root the server runs as the `postgres` user (created by the Debian package that .ci/run installs).
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { Effect } from "effect"

/** The directory holding `initdb` and `pg_ctl`: on the PATH, or the newest /usr/lib/postgresql/N/bin. */
export const findBinDir = (): string | undefined => {
  for (const dir of (process.env.PATH ?? "").split(Path.delimiter)) {
    if (dir !== "" && Fs.existsSync(Path.join(dir, "initdb")) && Fs.existsSync(Path.join(dir, "pg_ctl"))) return dir
  }
  const root = "/usr/lib/postgresql"
  if (!Fs.existsSync(root)) return undefined
  const versions = Fs.readdirSync(root)
    .filter((v) => Fs.existsSync(Path.join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] === undefined ? undefined : Path.join(root, versions[0], "bin")
}

const freePort = () =>
  Effect.async<number>((resume) => {
    const server = Net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      server.close(() => resume(Effect.succeed(port)))
    })
  })

export interface Postgres {
  readonly url: string
  readonly port: number
}

/** Starts a server; fails the test with a clear message when PostgreSQL is not installed. */
export const startPostgres = Effect.gen(function* () {
  const bin = findBinDir()
  if (bin === undefined) {
    return yield* Effect.dieMessage("PostgreSQL is not installed (initdb/pg_ctl not found): run .ci/run or install it")
  }
  const asRoot = process.getuid?.() === 0
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "durable-import-pg-"))
  // As root: the `postgres` user runs everything, in a directory it owns (created when a PostgreSQL that
  // did not come from the Debian package left none).
  if (asRoot) {
    try {
      execFileSync("id", ["-u", "postgres"], { stdio: "ignore" })
    } catch {
      execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"])
    }
    execFileSync("chown", ["postgres:", dir])
  }
  const run = (command: string, args: ReadonlyArray<string>) =>
    asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", Path.join(bin, command), ...args], { stdio: "pipe" })
      : execFileSync(Path.join(bin, command), [...args], { stdio: "pipe" })
  const data = Path.join(dir, "data")
  const startedAt = Date.now()
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"])
  const port = yield* freePort()
  yield* Effect.acquireRelease(
    Effect.sync(() =>
      run("pg_ctl", [
        "-D",
        data,
        "-l",
        Path.join(dir, "server.log"),
        "-w",
        "-t",
        "120",
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`,
        "start"
      ])
    ),
    () =>
      Effect.sync(() => {
        try {
          run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
        } finally {
          Fs.rmSync(dir, { recursive: true, force: true })
        }
      })
  )
  console.log(`PostgreSQL (${bin}) on 127.0.0.1:${port}: initdb + start took ${Date.now() - startedAt} ms`)
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port } satisfies Postgres
})
