/**
 * `demo`: starts the Voucherify emulator on a free loopback port, creates a few async actions of
 * different types (one fails, one waits in the queue, one takes a few seconds), watches them with
 * progress bars, lists them, and shows the failed one. Needs no configuration or network.
 *
 * This module imports `@voucherify-effect/testing`, whose server is Node-only; only the Node entry
 * (`bin.ts`) wires it in, so other runtimes can reuse `@voucherify-effect/cli` without it.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import type { HttpClient } from "@effect/platform"
import { Cli, ExitCode, Render, Spec, Stdio, Watch } from "@voucherify-effect/cli"
import type { AsyncActionType } from "@voucherify-effect/core"
import { AsyncActions, PollPolicy, VoucherifyClient } from "@voucherify-effect/http"
import { Duration, Effect, Layer } from "effect"

interface Planned {
  readonly type: AsyncActionType.KnownAsyncActionType
  readonly durationMillis: number
  readonly startAfterMillis?: number
  readonly outcome: "SUCCESS" | "FAILED" | "PARTIAL"
  readonly size: number
}

const plan: ReadonlyArray<Planned> = [
  { type: "VOUCHERS.IMPORT", durationMillis: 1500, outcome: "SUCCESS", size: 250 },
  { type: "CUSTOMERS.BULK_UPDATE", durationMillis: 4000, startAfterMillis: 800, outcome: "SUCCESS", size: 1200 },
  { type: "PRODUCTS.IMPORT_CSV", durationMillis: 2200, outcome: "FAILED", size: 40 },
  { type: "CAMPAIGN.VOUCHERS_GENERATE", durationMillis: 3000, outcome: "SUCCESS", size: 5000 },
  { type: "ORDERS.IMPORT", durationMillis: 2600, startAfterMillis: 400, outcome: "PARTIAL", size: 80 }
]

/**
 * The demo program: everything runs against the emulator, through the real HTTP client.
 *
 * @since 0.1.0
 * @category programs
 */
export const program = (options: {
  readonly interval: Duration.Duration
}): Effect.Effect<void, ExitCode.Exit, HttpClient.HttpClient | Stdio.Stdio> =>
  Effect.gen(function* () {
    const stdio = yield* Stdio.Stdio
    const style: Render.Style = { color: yield* Stdio.useColor(stdio.stdout) }
    // Loaded on demand: the emulator is only needed by this command, so other commands start faster.
    const { Emulator } = yield* Effect.promise(() => import("@voucherify-effect/testing"))
    const emulator = yield* Emulator.make({ port: 0, seed: 0 }).pipe(
      Effect.catchAll((error) =>
        Stdio.err(`${Cli.name}: cannot start the emulator: ${error.message}`).pipe(
          Effect.zipRight(new ExitCode.Exit({ code: ExitCode.Internal }))
        )
      )
    )
    yield* Stdio.out(Render.bold(style, `Emulator listening on ${emulator.url} (app id ${emulator.appId})`))
    const created: Array<string> = []
    for (const step of plan) {
      const action = yield* emulator.createAction(step)
      created.push(action.id)
      yield* Stdio.out(`  started ${action.id} ${step.type}`)
    }
    yield* Stdio.out("")
    yield* Stdio.out(Render.bold(style, `$ ${Cli.name} watch ${created.join(" ")}`))

    const client = AsyncActions.layer.pipe(
      Layer.provide(
        VoucherifyClient.layer({ apiUrl: emulator.url, appId: emulator.appId, secretKey: emulator.secretKey })
      )
    )
    const body = Effect.gen(function* () {
      const watched = yield* Watch.run(created, {
        json: false,
        reportFailures: false,
        timeout: Duration.seconds(20),
        schedule: PollPolicy.fixed(options.interval)
      })
      yield* Stdio.out("")
      yield* Stdio.out(Render.bold(style, `$ ${Cli.name} list --limit ${created.length}`))
      const page = yield* AsyncActions.list({ limit: created.length })
      yield* Stdio.out(
        [Render.tableHeader(style), ...page.asyncActions.map((a) => Render.tableRow(a, style))].join("\n")
      )
      const failed = watched.entries.filter((entry) => entry.action?.status === "FAILED")
      for (const entry of failed) {
        yield* Stdio.out("")
        yield* Stdio.out(Render.bold(style, `$ ${Cli.name} get ${entry.id}`))
        const action = yield* AsyncActions.get(entry.id)
        yield* Stdio.out(Render.summary(action, style).join("\n"))
      }
      yield* Stdio.out("")
      yield* Stdio.out(
        Render.dim(
          style,
          `Done. A FAILED action is part of the demo; in scripts, '${Cli.name} watch' exits 1 when one fails.`
        )
      )
      if (watched.code === ExitCode.Timeout) return yield* new ExitCode.Exit({ code: ExitCode.Timeout })
    })
    yield* Cli.reported(Effect.provide(body, client))
  }).pipe(Effect.scoped)

/**
 * The `demo` subcommand, with the data its help is rendered from.
 *
 * @since 0.1.0
 * @category commands
 */
export const extra: Cli.Extra = {
  spec: Spec.demo,
  command: Command.make(
    "demo",
    {
      interval: Options.text("interval").pipe(
        Options.withPseudoName("DURATION"),
        Options.withDefault("250ms"),
        Options.withSchema(Cli.durationFlag("--interval"))
      )
    },
    (flags) => program({ interval: flags.interval }).pipe(Cli.reported)
  )
}
