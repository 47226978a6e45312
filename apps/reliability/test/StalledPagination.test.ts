// A list server on loopback that ignores `end_date` (a static mock, a caching proxy dropping the query):
// every page is the newest 100 actions with `has_more: true`. The walk emits each action once and ends
// with PaginationStalled within 5 pages, on NodeTransport and on fetch.
import { FetchHttpClient } from "@effect/platform"
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Layer, Redacted, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { appId, secretKey, serve } from "./hostile/servers.js"

const page = Array.from({ length: 100 }, (_, i) => ({
  id: `aa_${(0xabc000 + i).toString(16).padStart(18, "0")}`,
  type: "VOUCHERS.IMPORT",
  status: "DONE",
  // Newest first; a few share a millisecond, as real histories do.
  created_at: new Date(Date.UTC(2024, 4, 1, 12, 0, 0) - Math.floor(i / 3) * 1000).toISOString(),
  object: "async_action"
}))

describe("a server that ignores end_date", () => {
  for (const transport of ["node", "fetch"] as const) {
    it(`no duplicate, PaginationStalled within 5 pages (${transport})`, async () => {
      const endDates: Array<string | null> = []
      const server = await serve((req, res) => {
        endDates.push(new URL(req.url ?? "/", "http://x").searchParams.get("end_date"))
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ object: "list", data_ref: "async_actions", async_actions: page, has_more: true }))
      })
      try {
        const emitted: Array<string> = []
        const error = await AsyncActions.stream({ pageSize: 100 }).pipe(
          Stream.runForEach((action) => Effect.sync(() => emitted.push(action.id))),
          Effect.flip,
          Effect.provide(
            AsyncActions.layer.pipe(
              Layer.provide(VoucherifyClient.layer({ apiUrl: server.url, appId, secretKey: Redacted.make(secretKey) })),
              Layer.provide(transport === "node" ? NodeTransport.layer : FetchHttpClient.layer)
            )
          ),
          Effect.runPromise
        )
        console.log(
          `[StalledPagination] ${transport}: ${emitted.length} emitted, ${new Set(emitted).size} distinct, ${error._tag} after ${endDates.length} page(s)`
        )
        expect(error._tag).toBe("PaginationStalled")
        expect(new Set(emitted).size).toBe(emitted.length)
        expect(emitted).toHaveLength(100)
        expect(endDates.length).toBeLessThanOrEqual(5)
      } finally {
        await server.close()
      }
    })
  }
})
