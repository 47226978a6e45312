// Hostile servers on loopback for the hardening tests, and a child process that runs one `get` through
// the built client so its memory can be measured apart from the test runner's.
import { spawn } from "node:child_process"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

export const secretKey = "sk_hostile_S3CR3T_never_print_0123"
export const appId = "app-hostile-1"
export const actionId = "aa_0c5564b67d0e571534"

export interface Served {
  readonly url: string
  readonly port: number
  readonly requests: Array<IncomingMessage["headers"]>
  readonly close: () => Promise<void>
}

export const serve = (
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  host = "127.0.0.1"
): Promise<Served> =>
  new Promise((resolve) => {
    const requests: Array<IncomingMessage["headers"]> = []
    const server = createServer((req, res) => {
      requests.push(req.headers)
      res.on("error", () => {})
      handler(req, res)
    })
    server.listen(0, host, () => {
      const port = (server.address() as AddressInfo).port
      resolve({
        url: `http://${host}:${port}`,
        port,
        requests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

// Writes `chunk` until `total` bytes (Infinity: until the client hangs up), respecting backpressure.
const pump = (res: ServerResponse, chunk: Buffer, total: number) => {
  let sent = 0
  const write = () => {
    while (!res.destroyed && sent < total) {
      sent += chunk.length
      if (!res.write(chunk)) return void res.once("drain", write)
    }
    if (!res.destroyed) res.end()
  }
  write()
}

const spaces = Buffer.alloc(1024 * 1024, 0x20)
// One gzip member of 64 MiB of spaces (~64 KB); members concatenated are one valid gzip stream.
const bombMember = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 })

export type Body = "announced-300MB" | "chunked-300MB" | "endless" | "gzip-bomb"

export const bodies: ReadonlyArray<Body> = ["announced-300MB", "chunked-300MB", "endless", "gzip-bomb"]

/** A 200 with a hostile body. */
export const hostileBody = (body: Body) => (_req: IncomingMessage, res: ServerResponse) => {
  const size = 300 * 1024 * 1024
  switch (body) {
    case "announced-300MB":
      res.writeHead(200, { "content-type": "application/json", "content-length": String(size) })
      return pump(res, spaces, size)
    case "chunked-300MB":
      res.writeHead(200, { "content-type": "application/json" })
      return pump(res, spaces, size)
    case "endless":
      res.writeHead(200, { "content-type": "application/json" })
      return pump(res, spaces, Number.POSITIVE_INFINITY)
    case "gzip-bomb":
      // Sent whatever Accept-Encoding says: fetch decodes it, NodeTransport does not.
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
      return pump(res, bombMember, Number.POSITIVE_INFINITY)
  }
}

export type Transport = "node" | "fetch"

export interface ChildResult {
  readonly tag: string
  readonly reason?: string
  readonly message: string
  readonly baselineRss: number
  readonly peakRss: number
  readonly elapsedMs: number
}

const childScript = fileURLToPath(new URL("./child.mjs", import.meta.url))

/** Runs `node ...args` with extra environment; resolves with its exit code and output. */
export const runNode = (
  args: ReadonlyArray<string>,
  env: Record<string, string>
): Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString()
    })
    child.once("exit", (code) => resolve({ code, stdout, stderr }))
  })

/** Runs one `get` in a child process on the given transport; resolves with its outcome and memory. */
export const runChild = async (
  url: string,
  transport: Transport,
  env: Record<string, string> = {}
): Promise<ChildResult> => {
  const ran = await runNode([childScript, url, transport, actionId], {
    VOUCHERIFY_APP_ID: appId,
    VOUCHERIFY_SECRET_KEY: secretKey,
    ...env
  })
  try {
    return JSON.parse(ran.stdout) as ChildResult
  } catch {
    throw new Error(`child exited ${ran.code}: ${ran.stdout} ${ran.stderr}`)
  }
}

export const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10
