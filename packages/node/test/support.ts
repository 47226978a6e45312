// A scripted loopback server for one test, closed with the test's scope: every request is recorded once
// its body has arrived, and the sockets it still has open can be counted.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Effect } from "effect"

export type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void

export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
}

export interface TestServer {
  readonly url: string
  /** Requests whose handler ran (the server saw them whole), in order. */
  readonly seen: ReadonlyArray<Seen>
  /** Sockets the server still has open. */
  readonly open: () => number
  /** Stops the server now and destroys its sockets (also done when the scope closes). */
  readonly close: () => void
}

export const serve = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.async<TestServer>((resume) => {
      const sockets = new Set<Socket>()
      const seen: Array<Seen> = []
      const server = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers })
          handler(req, Buffer.concat(chunks), res)
        })
      })
      server.on("connection", (socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      server.listen(0, "127.0.0.1", () =>
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            seen,
            open: () => sockets.size,
            close: () => {
              for (const socket of sockets) socket.destroy()
              server.close()
            }
          })
        )
      )
    }),
    (server) => Effect.sync(server.close)
  )
