// Per-request deadlines without a fiber per request. Every request of a client has the same timeout, so
// deadlines arrive in order: one watchdog fiber takes them first-in first-out, waits until each one that
// is still running is due, and closes its scope, which aborts the request through the AbortSignal every
// @effect/platform client honours. The request itself stays on the caller's fiber (`Effect.timeoutFail`
// would run it in a forked fiber, the largest single cost per request measured on real sockets).
import { BufferedGet } from "@voucherify-effect/core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"

interface Entry {
  readonly deadline: number
  /**
   * What the deadline aborts: a request scope (closing it aborts the request), or the request's own
   * abort signal. Dropped once the request is over, so the queue keeps no request alive until its deadline.
   */
  scope: Scope.CloseableScope | undefined
  controller: { readonly abort: () => void } | undefined
  done: boolean
  expired: boolean
}

export interface Deadlines {
  /**
   * Runs `effect` in a request scope closed at the deadline. A failure the abort caused (`isAbort`) after the
   * deadline becomes `onExpired()`; an answer that arrived in time keeps its own outcome.
   */
  readonly within: <A, E, R, E2>(
    effect: Effect.Effect<A, E, R | Scope.Scope>,
    options: {
      readonly isAbort: (error: E) => boolean
      readonly onExpired: () => E2
      /**
       * Further changes to the request's context, made in the same step as providing its scope (one
       * context switch per request instead of two).
       */
      readonly context?: ((context: Context.Context<never>) => Context.Context<never>) | undefined
    }
  ) => Effect.Effect<A, E | E2, Exclude<R, Scope.Scope>>
  /**
   * As `within`, for a request that takes an abort signal (a `BufferedGet.Abort`, cheaper than an
   * `AbortController`) instead of a scope: it is aborted at the deadline, and when the request fails or is
   * interrupted.
   */
  readonly withinSignal: <A, E, E2>(
    request: (signal: BufferedGet.Abort) => Effect.Effect<A, E>,
    options: { readonly isAbort: (error: E) => boolean; readonly onExpired: () => E2 }
  ) => Effect.Effect<A, E | E2>
  /** Entries the watchdog still holds: requests in flight, and finished ones it has not let go yet. */
  readonly held: Effect.Effect<number>
}

// The request's scope, and any further change to its context, in one context switch.
const provideScope = <A, E, R>(
  effect: Effect.Effect<A, E, R | Scope.Scope>,
  scope: Scope.Scope,
  change: ((context: Context.Context<never>) => Context.Context<never>) | undefined
): Effect.Effect<A, E, Exclude<R, Scope.Scope>> =>
  change === undefined
    ? Effect.provideService(effect, Scope.Scope, scope)
    : (Effect.mapInputContext(effect as Effect.Effect<A, E, never>, (context: Context.Context<never>) =>
        Context.add(change(context), Scope.Scope, scope)
      ) as Effect.Effect<A, E, Exclude<R, Scope.Scope>>)

export const make = (timeout: Duration.Duration): Effect.Effect<Deadlines, never, Scope.Scope> =>
  Effect.gen(function* () {
    const millis = Duration.toMillis(timeout)
    const recheckMillis = 1000
    let current: Entry | undefined
    const queue = yield* Queue.unbounded<Entry>()

    // Waits for the oldest request's deadline, looking at least once a second whether it has finished, so
    // the finished entries queued behind it are let go within about a second rather than at its deadline.
    const watch = Effect.gen(function* () {
      const entry = yield* Queue.take(queue)
      current = entry
      while (!entry.done) {
        const now = yield* Clock.currentTimeMillis
        if (entry.deadline <= now) {
          const { controller, scope } = entry
          if (controller !== undefined) {
            entry.expired = true
            return controller.abort()
          }
          if (scope === undefined) return
          entry.expired = true
          return yield* Scope.close(scope, Exit.void)
        }
        yield* Effect.sleep(Duration.millis(Math.min(entry.deadline - now, recheckMillis)))
      }
    })
    yield* Effect.forkScoped(Effect.forever(watch))

    const within = <A, E, R, E2>(
      effect: Effect.Effect<A, E, R | Scope.Scope>,
      options: {
        readonly isAbort: (error: E) => boolean
        readonly onExpired: () => E2
        readonly context?: ((context: Context.Context<never>) => Context.Context<never>) | undefined
      }
    ) =>
      Effect.flatMap(Scope.make(), (scope) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const entry: Entry = { deadline: now + millis, scope, controller: undefined, done: false, expired: false }
          Queue.unsafeOffer(queue, entry)
          return effect.pipe(
            (self) => provideScope(self, scope, options.context),
            Effect.catchAll((error) =>
              Effect.fail(entry.expired && options.isAbort(error) ? options.onExpired() : error)
            ),
            // After a success the exchange is complete and the scope holds only the abort of a finished
            // request: it is dropped unclosed, which saves an abort (and its DOMException) per request.
            // A failure or an interruption closes it, aborting the connection.
            Effect.onExit((exit) => {
              entry.done = true
              entry.scope = undefined
              return Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, Exit.void)
            })
          )
        })
      )

    const withinSignal = <A, E, E2>(
      request: (signal: BufferedGet.Abort) => Effect.Effect<A, E>,
      options: { readonly isAbort: (error: E) => boolean; readonly onExpired: () => E2 }
    ): Effect.Effect<A, E | E2> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const controller = new BufferedGet.Abort()
        const entry: Entry = { deadline: now + millis, scope: undefined, controller, done: false, expired: false }
        Queue.unsafeOffer(queue, entry)
        const settle = () => {
          entry.done = true
          entry.controller = undefined
        }
        return Effect.onExit(
          Effect.matchEffect(request(controller), {
            onSuccess: (value) => {
              settle()
              return Effect.succeed(value)
            },
            onFailure: (error) => {
              settle()
              // An answer that arrived is complete; a request that failed on its way may still hold a socket.
              controller.abort()
              return Effect.fail(entry.expired && options.isAbort(error) ? options.onExpired() : error)
            }
          }),
          // Interrupted (the caller's timeout, a cancelled fiber) before an outcome: abort the request.
          () =>
            entry.done
              ? Effect.void
              : Effect.sync(() => {
                  settle()
                  controller.abort()
                })
        )
      })

    // The entry the watchdog is waiting on has left the queue: count it while it is unfinished. (A queue's
    // size is negative while the watchdog waits in `take`.)
    const held = Effect.map(
      Queue.size(queue),
      (queued) => Math.max(0, queued) + (current !== undefined && !current.done ? 1 : 0)
    )

    return { within, withinSignal, held }
  })
