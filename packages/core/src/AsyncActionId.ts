/**
 * Branded identifiers. An id is only ever built from text that is safe inside a URL path,
 * so nothing downstream can turn untrusted input into a different request.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

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
  Schema.annotations({ identifier: "AsyncActionId", description: "Async action id such as aa_0afb3d009a55814a48" })
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
  Schema.annotations({ identifier: "RequestId" })
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
