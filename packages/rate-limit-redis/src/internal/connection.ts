// The Redis side of the shared limiter: one ioredis connection and the four scripts, as effects that never
// fail: a Redis error, a timeout or a lost connection is a `Failed` value the limiter falls back on.

import { Sanitize, VoucherifyError } from "@voucherify-effect/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Redis } from "ioredis"
import * as Scripts from "./scripts.js"

export interface Failed {
  readonly _tag: "Failed"
  /** Why, without the URL or its password. */
  readonly reason: string
}

export type Result<A> = ({ readonly _tag: "Ok" } & A) | Failed

export interface Connection {
  /** `host:port` (never the password). */
  readonly address: string
  /** Whether the first connection succeeded (waited for once, at start). */
  readonly connected: Effect.Effect<Result<object>>
  readonly admit: (
    member: string,
    proc: string,
    limit: number,
    windowMillis: number,
    leaseMillis: number
  ) => Effect.Effect<Result<{ admitted: boolean; waitMillis: number; used: number; processes: number }>>
  readonly complete: (member: string, windowMillis: number) => Effect.Effect<Result<object>>
  readonly record: (
    proc: string,
    windowMillis: number,
    leaseMillis: number,
    entries: ReadonlyArray<string>
  ) => Effect.Effect<Result<{ used: number; processes: number; pauseMillis: number }>>
  readonly pause: (millis: number) => Effect.Effect<Result<object>>
}

interface Scripted {
  voucherifyAdmit(...args: Array<string | number>): Promise<Array<number>>
  voucherifyComplete(...args: Array<string | number>): Promise<number>
  voucherifyRecord(...args: Array<string | number>): Promise<Array<number>>
  voucherifyPause(...args: Array<string | number>): Promise<number>
}

export interface ConnectionOptions {
  readonly url: Redacted.Redacted<string>
  readonly prefix: string
  readonly key: string
  readonly commandTimeoutMillis: number
}

const parseUrl = (url: string): URL | undefined => {
  try {
    const parsed = new URL(url)
    return parsed.protocol === "redis:" || parsed.protocol === "rediss:" ? parsed : undefined
  } catch {
    return undefined
  }
}

export const make = (
  options: ConnectionOptions
): Effect.Effect<Connection, VoucherifyError.InvalidConfig, Scope.Scope> =>
  Effect.gen(function* () {
    const raw = Redacted.value(options.url)
    const url = parseUrl(raw)
    if (url === undefined) {
      return yield* new VoucherifyError.InvalidConfig({ field: "url", reason: "must be a redis:// or rediss:// URL" })
    }
    const address = `${url.hostname}:${url.port === "" ? "6379" : url.port}`
    // An error message never carries the URL, but a server might echo what it was sent: sanitise anyway
    // (core's one sanitiser: the password redacted, control characters escaped, the length capped).
    const sanitize = Sanitize.make([url.password, decodeURIComponent(url.password), url.username])
    const scrub = (message: string): string => sanitize(message.replace(/rediss?:\/\/\S*/g, "<redis url>"), 200)
    const failed = (cause: unknown): Failed => ({
      _tag: "Failed",
      reason: `Redis at ${address}: ${scrub(cause instanceof Error ? cause.message : String(cause))}`
    })

    const redis = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new Redis(raw, {
            lazyConnect: true,
            // Fail at once while disconnected (the limiter falls back) instead of queueing behind a dead link.
            enableOfflineQueue: false,
            maxRetriesPerRequest: 0,
            commandTimeout: options.commandTimeoutMillis,
            connectTimeout: Math.max(options.commandTimeoutMillis, 1000),
            // Keep reconnecting, at most once a second, for as long as the limiter lives.
            retryStrategy: (times) => Math.min(100 * times, 1000),
            enableAutoPipelining: true,
            connectionName: "voucherify-rate-limit"
          })
      ),
      (redis) =>
        Effect.promise(() =>
          redis.status === "ready"
            ? redis.quit().then(
                () => undefined,
                () => redis.disconnect()
              )
            : Promise.resolve(redis.disconnect())
        )
    )
    // Errors reach the limiter through the commands that fail; without a listener ioredis would print them.
    redis.on("error", () => undefined)
    redis.defineCommand("voucherifyAdmit", { numberOfKeys: 3, lua: Scripts.admit })
    redis.defineCommand("voucherifyComplete", { numberOfKeys: 1, lua: Scripts.complete })
    redis.defineCommand("voucherifyRecord", { numberOfKeys: 3, lua: Scripts.record })
    redis.defineCommand("voucherifyPause", { numberOfKeys: 1, lua: Scripts.pause })
    const scripted = redis as unknown as Scripted

    const base = `${options.prefix}{${options.key}}`
    const slots = `${base}:slots`
    const pauseKey = `${base}:pause`
    const procs = `${base}:procs`

    const run = <A, B extends object>(call: () => Promise<A>, map: (a: A) => B): Effect.Effect<Result<B>> =>
      Effect.tryPromise(call).pipe(
        Effect.map((a): Result<B> => ({ _tag: "Ok", ...map(a) })),
        // A command that outlives the timeout (a frozen server) also counts as failed.
        Effect.timeoutFail({
          duration: Duration.millis(options.commandTimeoutMillis + 500),
          onTimeout: () => new Error("command timed out")
        }),
        Effect.catchAll((error) =>
          Effect.succeed(failed(error instanceof Error && "error" in error ? error.error : error))
        )
      )

    const connected = run(
      () => redis.connect(),
      () => ({})
    )

    return {
      address,
      connected,
      admit: (member, proc, limit, windowMillis, leaseMillis) =>
        run(
          () => scripted.voucherifyAdmit(slots, pauseKey, procs, member, proc, limit, windowMillis, leaseMillis),
          (r) => ({ admitted: r[0] === 1, waitMillis: Number(r[1]), used: Number(r[2]), processes: Number(r[3]) })
        ),
      complete: (member, windowMillis) =>
        run(
          () => scripted.voucherifyComplete(slots, member, windowMillis),
          () => ({})
        ),
      record: (proc, windowMillis, leaseMillis, entries) =>
        run(
          () => scripted.voucherifyRecord(slots, pauseKey, procs, proc, windowMillis, leaseMillis, ...entries),
          (r) => ({ used: Number(r[0]), processes: Number(r[1]), pauseMillis: Number(r[2]) })
        ),
      pause: (millis) =>
        run(
          () => scripted.voucherifyPause(pauseKey, Math.ceil(millis)),
          () => ({})
        )
    }
  })
