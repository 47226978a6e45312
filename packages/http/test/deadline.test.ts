import { describe, expect, it } from "@effect/vitest"
import type { BufferedGet } from "@voucherify-effect/core"
import { Deferred, Duration, Effect, Exit, Fiber, Scope, TestClock } from "effect"
import * as Deadlines from "../src/internal/deadline.js"

// A request that ends when its scope is closed (as an aborted platform request does) or after `millis`.
const request = (millis: number) =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const aborted = yield* Deferred.make<void>()
    yield* Scope.addFinalizer(scope, Deferred.succeed(aborted, undefined))
    return yield* Effect.raceFirst(
      Effect.as(Effect.sleep(Duration.millis(millis)), "answered" as const),
      Effect.zipRight(Deferred.await(aborted), Effect.fail("aborted" as const))
    )
  })

const options = { isAbort: (error: string) => error === "aborted", onExpired: () => "timeout" as const }

describe("deadline watchdog", () => {
  it.scoped("aborts each overdue request at its own deadline and leaves the others alone", () =>
    Effect.gen(function* () {
      const deadlines = yield* Deadlines.make(Duration.seconds(10))
      const slow = yield* deadlines.within(request(60_000), options).pipe(Effect.exit, Effect.fork)
      yield* TestClock.adjust("4 seconds")
      const quick = yield* deadlines.within(request(2_000), options).pipe(Effect.exit, Effect.fork)
      const late = yield* deadlines.within(request(60_000), options).pipe(Effect.exit, Effect.fork)
      yield* TestClock.adjust("5 seconds")
      expect(yield* Fiber.join(quick)).toEqual(Exit.succeed("answered"))
      expect(slow.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(slow)).toEqual(Exit.fail("timeout"))
      expect(late.unsafePoll()).toBeNull()
      yield* TestClock.adjust("4 seconds")
      expect(yield* Fiber.join(late)).toEqual(Exit.fail("timeout"))
    })
  )

  it.scoped("a failure that is not the abort keeps its own error even past the deadline", () =>
    Effect.gen(function* () {
      const deadlines = yield* Deadlines.make(Duration.seconds(1))
      const fiber = yield* deadlines
        .within(Effect.zipRight(Effect.sleep("2 seconds"), Effect.fail("not found")), options)
        .pipe(Effect.exit, Effect.fork)
      yield* TestClock.adjust("3 seconds")
      expect(yield* Fiber.join(fiber)).toEqual(Exit.fail("not found"))
    })
  )

  it.scoped("a failed or interrupted request has its scope closed (its connection aborted); a success does not", () =>
    Effect.gen(function* () {
      const deadlines = yield* Deadlines.make(Duration.seconds(30))
      // Records whether the request's scope was closed, as withScope's abort finalizer would see it.
      const tracked = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.gen(function* () {
          const closed = yield* Deferred.make<void>()
          const exit = yield* deadlines
            .within(
              Effect.zipRight(
                Effect.flatMap(Effect.scope, (scope) => Scope.addFinalizer(scope, Deferred.succeed(closed, undefined))),
                effect
              ),
              { isAbort: () => false, onExpired: () => "timeout" as const }
            )
            .pipe(Effect.exit)
          return { exit, closed: yield* Deferred.isDone(closed) }
        })
      const ok = yield* tracked(Effect.succeed("answered"))
      expect(ok).toEqual({ exit: Exit.succeed("answered"), closed: false })
      const failed = yield* tracked(Effect.fail("server error"))
      expect(failed).toEqual({ exit: Exit.fail("server error"), closed: true })
      const interrupted = yield* tracked(Effect.interrupt)
      expect(Exit.isInterrupted(interrupted.exit)).toBe(true)
      expect(interrupted.closed).toBe(true)
    })
  )

  it.scoped("finished requests are let go about a second after the oldest one finishes, not at its deadline", () =>
    Effect.gen(function* () {
      const deadlines = yield* Deadlines.make(Duration.seconds(30))
      const oldest = yield* deadlines.within(request(500), options).pipe(Effect.fork)
      const quick = yield* Effect.forEach(Array.from({ length: 50 }), () =>
        deadlines.within(request(10), options).pipe(Effect.fork)
      )
      yield* TestClock.adjust("100 millis")
      for (const fiber of quick) expect(yield* Fiber.join(fiber)).toBe("answered")
      expect(yield* deadlines.held).toBe(51)
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(oldest)).toBe("answered")
      expect(yield* deadlines.held).toBe(0)
    })
  )
})

// The signal path (NodeTransport's BufferedGet): a request that ends when its abort signal fires or after `millis`.
const signalled = (signal: BufferedGet.Abort, millis: number) =>
  Effect.raceFirst(
    Effect.as(Effect.sleep(Duration.millis(millis)), "answered" as const),
    Effect.async<never, "aborted">((resume) => {
      signal.once("abort", () => resume(Effect.fail("aborted")))
    })
  )

describe("deadline watchdog, signal path", () => {
  it.scoped(
    "aborts the signal of an overdue request at its deadline and reports the timeout; an answer in time is kept",
    () =>
      Effect.gen(function* () {
        const deadlines = yield* Deadlines.make(Duration.seconds(10))
        const seen: Array<BufferedGet.Abort> = []
        const slow = yield* deadlines
          .withinSignal(
            (signal) =>
              Effect.zipRight(
                Effect.sync(() => seen.push(signal)),
                signalled(signal, 60_000)
              ),
            options
          )
          .pipe(Effect.exit, Effect.fork)
        const quick = yield* deadlines
          .withinSignal((signal) => signalled(signal, 2_000), options)
          .pipe(Effect.exit, Effect.fork)
        yield* TestClock.adjust("9 seconds")
        expect(yield* Fiber.join(quick)).toEqual(Exit.succeed("answered"))
        expect(slow.unsafePoll()).toBeNull()
        expect(seen[0]?.aborted).toBe(false)
        yield* TestClock.adjust("1 second")
        expect(yield* Fiber.join(slow)).toEqual(Exit.fail("timeout"))
        expect(seen[0]?.aborted).toBe(true)
        yield* TestClock.adjust("2 seconds")
        expect(yield* deadlines.held).toBe(0)
      })
  )

  it.scoped("a failed or interrupted request has its signal aborted; a success does not; none is held after", () =>
    Effect.gen(function* () {
      const deadlines = yield* Deadlines.make(Duration.seconds(30))
      const tracked = <A, E extends string>(effect: Effect.Effect<A, E>) =>
        Effect.gen(function* () {
          let signal: BufferedGet.Abort | undefined
          const exit = yield* deadlines
            .withinSignal(
              (s) =>
                Effect.zipRight(
                  Effect.sync(() => {
                    signal = s
                  }),
                  effect
                ),
              options
            )
            .pipe(Effect.exit)
          return { exit, aborted: signal?.aborted }
        })
      expect(yield* tracked(Effect.succeed("answered"))).toEqual({ exit: Exit.succeed("answered"), aborted: false })
      expect(yield* tracked(Effect.fail("server error"))).toEqual({ exit: Exit.fail("server error"), aborted: true })
      const interrupted = yield* tracked(Effect.interrupt)
      expect(Exit.isInterrupted(interrupted.exit)).toBe(true)
      expect(interrupted.aborted).toBe(true)
      yield* TestClock.adjust("2 seconds")
      expect(yield* deadlines.held).toBe(0)
    })
  )
})
