/**
 * Branded identifiers. An id is only ever built from text that is safe inside a URL path,
 * so nothing downstream can turn untrusted input into a different request.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { compiledCheck } from "./internal/compile.js"

const isLetterOrDigit = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)

// The pattern below, by hand, for the compiled decoders (a regex test cost a fifth of a list item's decoding).
const isIdText = (s: unknown): boolean => {
  if (typeof s !== "string") return false
  const n = s.length
  if (n < 4 || n > 67 || s.charCodeAt(0) !== 97 || s.charCodeAt(1) !== 97 || s.charCodeAt(2) !== 95) return false
  for (let i = 3; i < n; i++) if (!isLetterOrDigit(s.charCodeAt(i))) return false
  return true
}

// The pattern of `RequestId`, by hand.
const isRequestIdText = (s: unknown): boolean => {
  if (typeof s !== "string") return false
  const n = s.length
  if (n < 1 || n > 128) return false
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x21 || c > 0x7e) return false
  }
  return true
}

/**
 * The id of an async action: `aa_` followed by 1..64 ASCII letters or digits (e.g. `aa_0afb3d009a55814a48`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const AsyncActionId = Schema.String.pipe(
  Schema.pattern(/^aa_[A-Za-z0-9]{1,64}$/, {
    message: () => "must be `aa_` followed by 1 to 64 letters or digits"
  }),
  Schema.brand("AsyncActionId"),
  Schema.annotations({
    identifier: "AsyncActionId",
    description: "Async action id such as aa_0afb3d009a55814a48",
    ...compiledCheck(isIdText)
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type AsyncActionId = typeof AsyncActionId.Type

/**
 * Builds an id from a string known to be valid; throws on anything else (use {@link AsyncActionId} to decode input).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (id: string) => AsyncActionId = AsyncActionId.make

/**
 * The API's request id (`v-…`, `w-…`): printable, no whitespace, at most 128 characters.
 * It is only ever displayed, never put in a URL, so the pattern is lenient on purpose.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RequestId = Schema.String.pipe(
  Schema.pattern(/^[\x21-\x7e]{1,128}$/, { message: () => "must be 1 to 128 printable ASCII characters" }),
  Schema.brand("RequestId"),
  Schema.annotations({ identifier: "RequestId", ...compiledCheck(isRequestIdText) })
)

/**
 * @since 0.1.0
 * @category models
 */
export type RequestId = typeof RequestId.Type

/**
 * @since 0.1.0
 * @category constructors
 */
export const makeRequestId: (id: string) => RequestId = RequestId.make
