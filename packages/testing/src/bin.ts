#!/usr/bin/env node
/**
 * The emulator CLI: `voucherify-emulator --port 4010 --seed 1000 [--seed-value N] [--rate-limit N|off]
 * [--end-date-inclusive] [--faults '{"serverError":0.2}']`. Serves until SIGINT/SIGTERM.
 *
 * @since 0.1.0
 */
import { parseArgs } from "node:util"
import { Console, Effect, Either, Fiber, Redacted } from "effect"
import * as Emulator from "./Emulator.js"
import * as Faults from "./Faults.js"

const usage = `Usage: voucherify-emulator [--port N] [--host 127.0.0.1] [--seed COUNT] [--seed-value N]
                          [--rate-limit PER_MINUTE|off] [--end-date-inclusive] [--default-limit N]
                          [--duration-ms N] [--outcome SUCCESS|FAILED|PARTIAL] [--faults JSON]

--rate-limit: requests per minute (default 2000); X-Rate-Limit-Limit/-Remaining are sent on every
response. "off" keeps the headers (at 2000) and never answers 429 (for benchmarks).

Credentials come from VOUCHERIFY_APP_ID / VOUCHERIFY_SECRET_KEY, else are generated and printed.`

const fail = (message: string): never => {
  process.stderr.write(`voucherify-emulator: ${message}\n\n${usage}\n`)
  process.exit(2)
}

const integer = (name: string, value: string | undefined, min: number, max: number): number | undefined => {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) return fail(`--${name} must be an integer, got ${JSON.stringify(value)}`)
  const n = Number(value)
  if (n < min || n > max) return fail(`--${name} must be between ${min} and ${max}, got ${n}`)
  return n
}

const outcomes = ["SUCCESS", "FAILED", "PARTIAL"] as const

const outcome = (value: string | undefined): (typeof outcomes)[number] | undefined => {
  if (value === undefined) return undefined
  const found = outcomes.find((o) => o === value)
  return found ?? fail(`--outcome must be one of ${outcomes.join(", ")}, got ${JSON.stringify(value)}`)
}

const parse = (): Emulator.EmulatorOptions => {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      // `pnpm emulator -- --port 4010` passes the `--` through: drop a leading one.
      args: process.argv[2] === "--" ? process.argv.slice(3) : process.argv.slice(2),
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        seed: { type: "string" },
        "seed-value": { type: "string" },
        "rate-limit": { type: "string" },
        "end-date-inclusive": { type: "boolean" },
        "default-limit": { type: "string" },
        "duration-ms": { type: "string" },
        outcome: { type: "string" },
        faults: { type: "string" },
        help: { type: "boolean", short: "h" }
      }
    }).values
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error))
  }
  if (values.help === true) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  const str = (name: string) => values[name] as string | undefined
  let faults: Faults.FaultProfile | undefined
  const faultsText = str("faults")
  if (faultsText !== undefined) {
    let json: unknown
    try {
      json = JSON.parse(faultsText)
    } catch {
      return fail("--faults must be JSON, e.g. '{\"serverError\":0.2}'")
    }
    const decoded = Faults.decode(json)
    if (Either.isLeft(decoded)) return fail(`--faults: ${decoded.left}`)
    faults = decoded.right
  }
  return {
    port: integer("port", str("port"), 0, 65535),
    host: str("host"),
    seed: integer("seed", str("seed"), 0, 1_000_000),
    seedValue: integer("seed-value", str("seed-value"), 0, 2 ** 31 - 1),
    rateLimitPerMinute:
      str("rate-limit") === "off" ? undefined : integer("rate-limit", str("rate-limit"), 1, 1_000_000),
    enforceRateLimit: str("rate-limit") !== "off",
    endDateInclusive: values["end-date-inclusive"] === true,
    defaultLimit: integer("default-limit", str("default-limit"), 1, 100),
    defaultDurationMillis: integer("duration-ms", str("duration-ms"), 0, 86_400_000),
    defaultOutcome: outcome(str("outcome")),
    faults
  }
}

const options = parse()

const program = Effect.gen(function* () {
  const emulator = yield* Emulator.make(options)
  const secret =
    emulator.credentialSource.secretKey === "generated" ? `, secret key ${Redacted.value(emulator.secretKey)}` : ""
  yield* Console.log(`Voucherify emulator listening on ${emulator.url} (app id ${emulator.appId}${secret})`)
  return yield* Effect.never
}).pipe(
  Effect.scoped,
  Effect.catchTag("EmulatorStartError", (error) =>
    Effect.sync(() => {
      process.stderr.write(`voucherify-emulator: ${error.message}\n`)
      process.exit(error.reason === "ListenFailed" ? 1 : 2)
    })
  )
)

// Plain Node signal handling keeps the published bin free of @effect/platform-node: interrupting the
// fiber closes the scope, which stops the server and destroys its sockets.
const fiber = Effect.runFork(program)
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  // `on`, not `once`: a second signal while the server closes must not end the process by the signal.
  process.on(signal, () => {
    Effect.runFork(Fiber.interrupt(fiber)).addObserver(() => process.exit(0))
  })
}
