// Waits that hostile headers would stretch: a server answering every request 429 with `Retry-After:
// 999999999` (or `X-Rate-Limit-Retry` far in the future) makes `get` end with RateLimited at once, its
// message showing a finite wait; a server asking for 20 s every time ends within the 60 s budget with the
// policy's budget lowered to 3 s here (the same code path, measured in seconds). Real sockets, NodeTransport.
import { AsyncActionId } from "@voucherify-effect/core"
import { AsyncActions, RetryPolicy, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Layer, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { actionId, appId, secretKey, serve } from "./hostile/servers.js"

const getFrom = (url: string, policy: RetryPolicy.RetryPolicy) =>
  AsyncActions.get(AsyncActionId.make(actionId)).pipe(
    RetryPolicy.withPolicy(policy),
    Effect.flip,
    Effect.provide(
      AsyncActions.layer.pipe(
        Layer.provide(VoucherifyClient.layer({ apiUrl: url, appId, secretKey: Redacted.make(secretKey) })),
        Layer.provide(NodeTransport.layer)
      )
    ),
    Effect.runPromise
  )

describe("retry budget", () => {
  for (const [name, headers] of [
    ["Retry-After: 999999999", { "retry-after": "999999999" }],
    ["X-Rate-Limit-Retry far in the future", { "x-rate-limit-retry": "99999999999" }]
  ] as const) {
    it(`${name} forever: RateLimited at once with the default policy`, async () => {
      const server = await serve((_req, res) => {
        res.writeHead(429, { "content-type": "application/json", ...headers })
        res.end('{"code":429,"message":"Too many requests hit the API too quickly."}')
      })
      try {
        const started = performance.now()
        const error = await getFrom(server.url, RetryPolicy.defaultPolicy)
        const elapsed = Math.round(performance.now() - started)
        console.log(
          `[RetryBudget] ${name}: ${error._tag} after ${elapsed} ms, ${server.requests.length} request(s): ${error.message}`
        )
        expect(error._tag).toBe("RateLimited")
        expect(error.message).not.toContain("Infinity")
        expect(server.requests).toHaveLength(1)
        expect(elapsed).toBeLessThan(60_000)
      } finally {
        await server.close()
      }
    })
  }

  it("Retry-After: 2 forever ends within a 3 s budget (default 60 s)", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "2" })
      res.end('{"code":429}')
    })
    try {
      const started = performance.now()
      const error = await getFrom(server.url, RetryPolicy.make({ retryBudget: "3 seconds" }))
      const elapsed = Math.round(performance.now() - started)
      console.log(
        `[RetryBudget] Retry-After 2 with a 3 s budget: ${error._tag} after ${elapsed} ms, ${server.requests.length} request(s)`
      )
      expect(error._tag).toBe("RateLimited")
      // One 2 s wait fits the budget, a second would not: two requests.
      expect(server.requests).toHaveLength(2)
      expect(elapsed).toBeGreaterThanOrEqual(1900)
      expect(elapsed).toBeLessThan(30_000)
    } finally {
      await server.close()
    }
  })
})
