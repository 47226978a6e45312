// The READMEs, followed as a new user would: each README's own `npm i` lines, extracted at test time, run in
// a fresh npm project outside the workspace with only the `@voucherify-effect/*` names replaced by the packed
// tarballs (everything else, `effect@^3.22` and friends, comes from the npm registry as printed). Processes
// run asynchronously: the emulator the examples talk to is served from this process, next to a redis-server
// of the test's own (the shared rate limiter's example). Then every TypeScript example of that README is
// type-checked (strict, NodeNext) and run. A README line that stops working fails here: an unpinned `effect`
// (checked on the line itself: npm may still pick a 3.x for it when the other peers ask for one), a peer range
// npm refuses, a missing peer, an example that needs a package the lines do not install.
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Emulator } from "@voucherify-effect/testing"
import { Effect, Exit, Redacted, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as RedisServer from "../../../packages/rate-limit-redis/test/redisServer.js"
import { ok, type PackageName, packAll, packages, root, runAsync } from "./support.js"

/**
 * The `npm i` / `npm install` lines (a `\` continuation joined) of the README's sh blocks that install one of
 * this project's packages: all of such a block's lines, the optional ones (a SQL driver) too.
 */
const installLines = (markdown: string): Array<string> =>
  [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((block) =>
      (block[1] ?? "")
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((line) => line.replace(/\s+#.*$/, "").trim())
        .filter((line) => /^npm (i|install)\s/.test(line))
    )
    .filter((lines) => lines.some((line) => line.includes("@voucherify-effect/")))
    .flat()

/**
 * The TypeScript examples of a README that its own install lines cover: a block importing a package of this
 * project that the README does not install (a pointer to another package's README) is left to that README.
 */
const examples = (markdown: string): Array<string> => {
  const installed = new Set(installLines(markdown).flatMap((line) => line.match(/@voucherify-effect\/[a-z-]+/g) ?? []))
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((block) => block[1] ?? "")
    .filter((code) =>
      [...code.matchAll(/from "(@voucherify-effect\/[a-z-]+)/g)].every((match) => installed.has(match[1] ?? ""))
    )
}

const readmes = ["README.md", ...packages.map((name) => `packages/${name}/README.md`)] as const

// What running each example must show (it runs against an emulator on loopback where it talks to the API, and a
// redis-server of its own where it shares a rate limit), and what it must have left behind (`after`).
interface Expected {
  readonly code: number
  readonly output: RegExp
  readonly after?: (project: string) => Promise<void>
}
const expected: Record<string, ReadonlyArray<Expected>> = {
  "packages/core/README.md": [{ code: 0, output: /./ }],
  // The example awaits a fixed id the emulator does not have: it reaches the API and fails with its 404.
  "packages/http/README.md": [{ code: 1, output: /Not found: GET \/v1\/async-actions\/aa_0afb3d009a55814a48/ }],
  "packages/node/README.md": [{ code: 0, output: /^$/ }],
  "packages/testing/README.md": [
    { code: 0, output: /^IN_PROGRESS \d{1,3}\n$/ },
    { code: 0, output: /^$/ }
  ],
  // The emulator's seed has 5 actions. Its request is counted on Redis: one slot in the budget named by the app id.
  "packages/rate-limit-redis/README.md": [
    {
      code: 0,
      output: /^5 actions, more: false\n$/,
      after: async () => {
        const cli = ["-h", "127.0.0.1", "-p", String(redis.port), "--no-auth-warning", "-a", redis.password]
        const key = `voucherify:rate-limit:{${emulator.appId}}:slots`
        const slots = ok(await runAsync("redis-cli", [...cli, "ZCARD", key], work), "redis-cli ZCARD")
        expect(slots.trim(), key).toBe("1")
      }
    }
  ],
  // The import the example starts on the emulator (logged once, by the start step) ends DONE (2 s there); its
  // journal is the SQLite file it names.
  "packages/workflow/README.md": [
    {
      code: 0,
      output: /^\[[\d:.]+\] INFO \(#\d+\): Voucherify async action started\n {2}id: (aa_[0-9a-f]{18})\n\1 DONE\n$/,
      after: async (project) => {
        expect(statSync(join(project, "imports.db")).size).toBeGreaterThan(0)
      }
    }
  ]
}

// The line's arguments with `@voucherify-effect/x` replaced by x's tarball. A user gets the packages these
// depend on (`core`) from the registry; they are not published from here, so their tarballs are added.
const replaceNames = (line: string, tarballs: Record<PackageName, string>): Array<string> => {
  const args = line
    .split(/\s+/)
    .slice(1)
    .map((arg) => {
      const match = /^@voucherify-effect\/([a-z-]+)(@.*)?$/.exec(arg)
      return match === null ? arg : (tarballs[match[1] as PackageName] ?? arg)
    })
  const named = args.some((arg) => Object.values(tarballs).includes(arg))
  return named && !args.includes(tarballs.core) ? [...args, tarballs.core] : args
}

let work = ""
let tarballs: Record<PackageName, string>
let scope: Scope.CloseableScope
let emulator: Emulator.EmulatorHandle
let redis: RedisServer.RedisServer

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "voucherify-effect-readme-"))
  tarballs = await packAll(join(work, "tarballs"))
  scope = Effect.runSync(Scope.make())
  emulator = await Effect.runPromise(Scope.extend(Emulator.make({ port: 0, seed: 5 }), scope))
  redis = await Effect.runPromise(Scope.extend(RedisServer.start(), scope))
}, 300_000)

afterAll(async () => {
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  if (work !== "" && process.env.KEEP_CONSUMER_SMOKE === undefined) await rm(work, { recursive: true, force: true })
}, 120_000)

describe("README install lines", () => {
  it("are found in every README, each pinning the Effect 3 line", () => {
    for (const readme of readmes) {
      const lines = installLines(readFileSync(join(root, readme), "utf8"))
      expect(lines.length, readme).toBeGreaterThan(0)
      for (const line of lines) {
        for (const peer of ["effect", "@effect/platform", "@effect/platform-node"]) {
          // A peer named without a version would install npm's `latest`: Effect 4.
          expect(line.split(/\s+/), `${readme}: ${line}`).not.toContain(peer)
        }
      }
    }
  })

  it.each(readmes)(
    "%s: its install lines work in a fresh npm project, and its examples type-check and run",
    async (readme) => {
      const markdown = readFileSync(join(root, readme), "utf8")
      const project = join(work, readme.replace(/[/.]/g, "-"))
      mkdirSync(project)
      writeFileSync(
        join(project, "package.json"),
        `${JSON.stringify({ name: "readme", private: true, type: "module" })}\n`
      )
      // npm's cached metadata when it has it (a loaded machine; a release newer than the cache is not seen).
      const npmEnv = {
        npm_config_audit: "false",
        npm_config_fund: "false",
        npm_config_loglevel: "error",
        npm_config_prefer_offline: "true"
      }
      for (const line of installLines(markdown)) {
        ok(await runAsync("npm", replaceNames(line, tarballs), project, 240_000, npmEnv), `${readme}: ${line}`)
      }
      // The tree npm built is consistent (no missing or invalid peer).
      ok(await runAsync("npm", ["ls", "--all"], project, 60_000, npmEnv), `${readme}: npm ls`)
      const blocks = examples(markdown)
      expect(blocks.length, `${readme}: examples`).toBe((expected[readme] ?? []).length)
      if (blocks.length === 0) return
      // Type-checking needs Node's types (not part of the README's lines: a tool of the checker, not of the user).
      ok(await runAsync("npm", ["i", "-D", "@types/node@^20.19"], project, 240_000, npmEnv), `${readme}: @types/node`)
      const files = blocks.map((code, index) => {
        const file = `example-${index}.mts`
        writeFileSync(join(project, file), code)
        return file
      })
      const compilerOptions = {
        target: "ES2022",
        lib: ["ES2022", "DOM"],
        types: ["node"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: true,
        outDir: "out"
      }
      writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, files }))
      ok(
        await runAsync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "."], project),
        `${readme}: tsc`
      )
      for (const [index, file] of files.entries()) {
        const ran = await runAsync(process.execPath, [join("out", file.replace(/\.mts$/, ".mjs"))], project, 60_000, {
          VOUCHERIFY_API_URL: emulator.url,
          VOUCHERIFY_APP_ID: emulator.appId,
          VOUCHERIFY_SECRET_KEY: Redacted.value(emulator.secretKey),
          VOUCHERIFY_RATE_LIMIT_REDIS_URL: Redacted.value(redis.url),
          NO_COLOR: "1"
        })
        const want = expected[readme]?.[index]
        expect(ran.status, `${readme} example ${index}: ${ran.stdout}${ran.stderr}`).toBe(want?.code)
        expect(`${ran.stdout}${ran.stderr}`, `${readme} example ${index}`).toMatch(want?.output ?? /^$/)
        await want?.after?.(project)
      }
    },
    600_000
  )
})
