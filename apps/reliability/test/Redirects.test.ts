// Redirects of every 3xx kind, from the configured host to another port, another host name (`localhost`
// for `127.0.0.1`) and another scheme's URL, on NodeTransport, on FetchHttpClient and through the Deno
// bundle of the CLI: the second server receives no request at all (so no credential), and the outcome is
// the typed UnexpectedStatus naming where the redirect pointed.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FetchHttpClient } from "@effect/platform"
import { AsyncActionId } from "@voucherify-effect/core"
import { AsyncActions, VoucherifyClient } from "@voucherify-effect/http"
import { NodeTransport } from "@voucherify-effect/node"
import { Effect, Either, Layer, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundle, denoBin, run } from "../../deno/test/support.js"
import { actionId, appId, type Served, secretKey, serve } from "./hostile/servers.js"

let target: Served
beforeAll(async () => {
  // Answers anything with a valid action, as a thief would, and records what it was sent.
  target = await serve((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" })
    res.end(
      JSON.stringify({ id: actionId, type: "VOUCHERS.IMPORT", status: "DONE", created_at: "2024-05-01T10:00:00.000Z" })
    )
  }, "127.0.0.1")
})
afterAll(() => target.close())

const targets = () => ({
  "another port": `http://127.0.0.1:${target.port}/v1/async-actions/${actionId}`,
  "another host name": `http://localhost:${target.port}/v1/async-actions/${actionId}`,
  "a relative path on another scheme": `//localhost:${target.port}/steal`
})

const redirecting = (status: number, location: string) =>
  serve((_req, res) => {
    res.writeHead(status, { location })
    res.end()
  })

const getVia = (url: string, transport: "node" | "fetch") =>
  AsyncActions.get(AsyncActionId.make(actionId)).pipe(
    Effect.flip,
    Effect.provide(
      AsyncActions.layer.pipe(
        Layer.provide(VoucherifyClient.layer({ apiUrl: url, appId, secretKey: Redacted.make(secretKey) })),
        Layer.provide(transport === "node" ? NodeTransport.layer : FetchHttpClient.layer)
      )
    ),
    Effect.runPromise
  )

// A start POST (the workflow package's start step goes through this): a 307 or 308 would have a following
// client send the same POST, body and credentials included, to the target.
const postVia = (url: string, transport: "node" | "fetch") =>
  Effect.flatMap(VoucherifyClient.VoucherifyClient, (client) =>
    client.post({
      path: "/v1/vouchers/import",
      body: { vouchers: [{ code: "A" }] },
      decode: (text) => Either.right(text)
    })
  ).pipe(
    Effect.flip,
    Effect.provide(
      VoucherifyClient.layer({ apiUrl: url, appId, secretKey: Redacted.make(secretKey) }).pipe(
        Layer.provide(transport === "node" ? NodeTransport.layer : FetchHttpClient.layer)
      )
    ),
    Effect.runPromise
  )

describe("redirects are never followed", () => {
  for (const transport of ["node", "fetch"] as const) {
    it(`a POST answered 307 or 308 on ${transport}: sent once, never to the target`, async () => {
      for (const status of [307, 308]) {
        for (const [kind, location] of Object.entries(targets())) {
          const origin = await redirecting(status, location)
          try {
            const before = target.requests.length
            const error = await postVia(origin.url, transport)
            expect(error._tag, kind).toBe("UnexpectedStatus")
            expect(error.message).not.toContain(secretKey)
            expect(target.requests.length, `${kind}: the target saw a request`).toBe(before)
            expect(origin.requests).toHaveLength(1)
          } finally {
            await origin.close()
          }
        }
      }
    })
  }

  for (const status of [301, 302, 303, 307, 308]) {
    for (const transport of ["node", "fetch"] as const) {
      it(`${status} on ${transport}`, async () => {
        for (const [kind, location] of Object.entries(targets())) {
          const origin = await redirecting(status, location)
          try {
            const before = target.requests.length
            const error = await getVia(origin.url, transport)
            expect(error._tag, kind).toBe("UnexpectedStatus")
            expect(error).toMatchObject({ status, location: expect.stringContaining(`:${target.port}`) })
            expect(error.message).not.toContain(secretKey)
            expect(target.requests.length, `${kind}: the target saw a request`).toBe(before)
            expect(origin.requests).toHaveLength(1)
          } finally {
            await origin.close()
          }
        }
      })
    }
  }

  it("through the Deno bundle (FetchHttpClient on Deno): exit non-zero, no request reaches the target", async () => {
    const dir = mkdtempSync(join(tmpdir(), "redirect-deno-"))
    copyFileSync(bundle, join(dir, "voucherify-async.mjs"))
    try {
      for (const status of [301, 302, 303, 307, 308]) {
        const origin = await redirecting(status, targets()["another host name"])
        try {
          const before = target.requests.length
          const ran = await run(
            denoBin,
            ["run", "--allow-net", "--allow-env", "voucherify-async.mjs", "get", actionId],
            {
              cwd: dir,
              env: {
                ...process.env,
                VOUCHERIFY_API_URL: origin.url,
                VOUCHERIFY_APP_ID: appId,
                VOUCHERIFY_SECRET_KEY: secretKey
              },
              timeoutMs: 60_000
            }
          )
          console.log(`[Redirects] Deno ${status}: exit ${ran.code}, stderr ${JSON.stringify(ran.stderr.trim())}`)
          expect(ran.code).not.toBe(0)
          expect(ran.stderr).toContain(`localhost:${target.port}`)
          expect(`${ran.stdout}${ran.stderr}`).not.toContain(secretKey)
          expect(target.requests.length).toBe(before)
        } finally {
          await origin.close()
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
