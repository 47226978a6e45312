// Hostile bodies on both transports, each `get` in a child process: a 300 MB body (announced and chunked),
// an endless body and a gzip bomb end with a typed InvalidResponse (TooLarge, or MalformedJson for the
// still-compressed bomb on NodeTransport, which does not decode content) and the child's RSS grows by
// less than 100 MB. The measured figures are printed.
import { describe, expect, it } from "vitest"
import { bodies, hostileBody, mb, runChild, serve, type Transport } from "./hostile/servers.js"

describe("huge bodies", () => {
  for (const transport of ["node", "fetch"] as ReadonlyArray<Transport>) {
    for (const body of bodies) {
      it(`${body} on ${transport}: typed error, RSS growth under 100 MB`, async () => {
        const server = await serve(hostileBody(body))
        try {
          const result = await runChild(server.url, transport)
          const growth = result.peakRss - result.baselineRss
          console.log(
            `[HugeBodies] ${body} on ${transport}: ${result.tag}/${result.reason} after ${result.elapsedMs} ms, peak RSS growth ${mb(growth)} MB`
          )
          expect(result.tag).toBe("InvalidResponse")
          expect(transport === "node" && body === "gzip-bomb" ? ["TooLarge", "MalformedJson"] : ["TooLarge"]).toContain(
            result.reason
          )
          expect(growth).toBeLessThan(100 * 1024 * 1024)
        } finally {
          await server.close()
        }
      }, 120_000)
    }
  }
})
