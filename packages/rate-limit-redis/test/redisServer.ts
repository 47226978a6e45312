// A real redis-server for tests: its own free loopback port, its own temporary directory, no persistence, a
// password (so the tests can check it never leaks), stopped with the scope. No mock stands in for it.
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { Effect, Redacted, type Scope } from "effect"

export interface RedisServer {
  readonly port: number
  readonly password: string
  /** `redis://:password@127.0.0.1:port` */
  readonly url: Redacted.Redacted<string>
  /** SIGKILL: the server dies without a goodbye (connections reset, data lost). */
  readonly kill: Effect.Effect<void>
  /** Starts it again on the same port (empty: nothing was persisted). */
  readonly restart: Effect.Effect<void>
  readonly running: () => boolean
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const spawnServer = (port: number, dir: string, password: string): Promise<ChildProcess.ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = ChildProcess.spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--requirepass",
        password,
        "--daemonize",
        "no"
      ],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData)
        child.stdout?.resume()
        resolve(child)
      }
    }
    child.stdout?.on("data", onData)
    child.stderr?.resume()
    child.once("error", reject)
    child.once("exit", (code) =>
      reject(new Error(`redis-server exited (${code}) before it was ready: ${output.slice(-300)}`))
    )
  })

const stop = (child: ChildProcess.ChildProcess, signal: NodeJS.Signals): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill(signal)
  })

/** Starts a redis-server (on `port` if given, else a free one); stopped when the scope closes. */
export const start = (
  options: { readonly port?: number; readonly password?: string } = {}
): Effect.Effect<RedisServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "voucherify-redis-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    )
    const password =
      options.password ?? `pw-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`
    const port = options.port ?? (yield* Effect.promise(freePort))
    let child: ChildProcess.ChildProcess | undefined
    const launch = Effect.promise(async () => {
      child = await spawnServer(port, dir, password)
    })
    yield* Effect.acquireRelease(launch, () =>
      Effect.promise(() => (child === undefined ? Promise.resolve() : stop(child, "SIGTERM")))
    )
    return {
      port,
      password,
      url: Redacted.make(`redis://:${password}@127.0.0.1:${port}`),
      kill: Effect.promise(() => (child === undefined ? Promise.resolve() : stop(child, "SIGKILL"))),
      restart: launch,
      running: () => child !== undefined && child.exitCode === null && child.signalCode === null
    }
  })
