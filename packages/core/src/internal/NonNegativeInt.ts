import * as Schema from "effect/Schema"
import { compiledCheck } from "./compile.js"

/**
 * A count or a duration: an integer ≥ 0 (`Schema.Int` and `Schema.nonNegative()`, with the same check written
 * out for the compiled decoders: `Number.isSafeInteger` is `Int`'s own test).
 *
 * @internal
 */
export const NonNegativeInt = Schema.Int.pipe(
  Schema.nonNegative(),
  Schema.annotations(compiledCheck((u) => Number.isSafeInteger(u) && (u as number) >= 0))
)
