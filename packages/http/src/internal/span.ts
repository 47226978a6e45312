// Spans that do not hold on to what they measured. A span ends with the `Exit` of its effect, and keeps it:
// on success, the whole decoded page or action. Measured over a 300 000-action stream, that reference made
// V8 promote every page to old space (peak heap growth 132 MB, against 35 MB with tracing off), since spans
// outlive their request (in an exporter's batch, or just across the next network wait). These spans end
// with `Exit.void` on success and with the real `Exit` on failure, so their status is unchanged.
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Tracer from "effect/Tracer"

/** `Effect.useSpan`, except that a success is recorded on the span without its value. */
export const use = <A, E, R>(
  name: string,
  options: Tracer.SpanOptions,
  evaluate: (span: Tracer.Span) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    let outcome: Exit.Exit<A, E> | undefined
    return Effect.zipRight(
      Effect.useSpan(name, options, (span) =>
        Effect.flatMap(Effect.exit(evaluate(span)), (exit): Effect.Effect<void, E> => {
          outcome = exit
          return Exit.isSuccess(exit) ? Exit.void : Exit.asVoid(exit)
        })
      ),
      Effect.suspend((): Effect.Effect<A, E> => outcome!)
    )
  })

/** `Effect.withSpan`, except that a success is recorded on the span without its value. */
export const wrap =
  (name: string, options: Tracer.SpanOptions) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>> =>
    use(name, options, (span) => Effect.withParentSpan(self, span))
