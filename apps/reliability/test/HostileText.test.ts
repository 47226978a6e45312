// Hostile error bodies through the CLI as a real process (the built `voucherify-async`): terminal escapes,
// a 100 000-character `details`, and a proxy that echoes the request's secret header back. stderr is one
// clean line: no control character, bounded, no secret.
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { actionId, appId, runNode, secretKey, serve } from "./hostile/servers.js"

const cli = fileURLToPath(new URL("../../poller/dist/bin.js", import.meta.url))

const runCli = (url: string) =>
  runNode([cli, "get", actionId], {
    VOUCHERIFY_API_URL: url,
    VOUCHERIFY_APP_ID: appId,
    VOUCHERIFY_SECRET_KEY: secretKey
  })

const hostile = {
  "escapes in key and message, the secret in X-Rate-Limit-Type": (token: string) => ({
    status: 429,
    // Node's http refuses control characters in header values; the header echoes the secret instead.
    headers: { "x-rate-limit-type": `api_calls ${token}`, "retry-after": "1" },
    body: {
      code: 429,
      key: "\u001b]0;pwned\u0007",
      message: "line one\r\n\u001b[31mline two\u202e",
      request_id: "v-1"
    },
    token
  }),
  "100 000-character details": (token: string) => ({
    status: 400,
    headers: {},
    body: { code: 400, key: "invalid", message: "bad", details: "d".repeat(100_000) },
    token
  }),
  "echoed secret header": (token: string) => ({
    status: 401,
    headers: {},
    body: {
      code: 401,
      message: `Unauthorized: X-App-Token: ${token}`,
      details: `headers: ${JSON.stringify({ "x-app-token": token })}`
    },
    token
  }),
  "echoed secret in a 200 that does not decode": (token: string) => ({
    status: 200,
    headers: {},
    body: { echoed: { "x-app-id": appId, "x-app-token": token }, note: "\u001b[2J" },
    token
  })
}

describe("hostile server text through the CLI", () => {
  for (const [name, make] of Object.entries(hostile)) {
    it(`${name}: one clean line on stderr, no secret`, async () => {
      const server = await serve((req, res) => {
        const reply = make(String(req.headers["x-app-token"]))
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers })
        res.end(JSON.stringify(reply.body))
      })
      try {
        const ran = await runCli(server.url)
        console.log(
          `[HostileText] ${name}: exit ${ran.code}, stderr ${ran.stderr.length} chars: ${JSON.stringify(ran.stderr.slice(0, 240))}`
        )
        expect(ran.code).not.toBe(0)
        expect(`${ran.stdout}${ran.stderr}`).not.toContain(secretKey)
        const lines = ran.stderr.replace(/\n$/, "").split("\n")
        expect(lines).toHaveLength(1)
        // biome-ignore lint/suspicious/noControlCharactersInRegex: none may reach the terminal
        expect(ran.stderr.replace(/\n$/, "")).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/)
        expect(ran.stderr.length).toBeLessThan(3000)
      } finally {
        await server.close()
      }
    }, 60_000)
  }
})
