/**
 * The body the API sends with an error. The documented shape is `{code, message, key, details,
 * request_id, resource_id, resource_type, error: {message}}`; 413 sends `{statusCode, error, message}`
 * and 429 sends `{code, message}` (sometimes with `code` as a string). All of them decode here.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category schemas
 */
export const ApiErrorBody = Schema.Struct({
  code: Schema.optional(Schema.Union(Schema.Number, Schema.String)),
  statusCode: Schema.optional(Schema.Number),
  message: Schema.optional(Schema.String),
  key: Schema.optional(Schema.String),
  details: Schema.optional(Schema.String),
  requestId: Schema.optional(Schema.String).pipe(Schema.fromKey("request_id")),
  resourceId: Schema.optional(Schema.String).pipe(Schema.fromKey("resource_id")),
  resourceType: Schema.optional(Schema.String).pipe(Schema.fromKey("resource_type")),
  // `{message}` in the documented shape; a plain string ("Payload Too Large") in the 413 shape.
  error: Schema.optional(Schema.Union(Schema.Struct({ message: Schema.optional(Schema.String) }), Schema.String))
}).annotations({ identifier: "ApiErrorBody" })

/**
 * @since 0.1.0
 * @category models
 */
export interface ApiErrorBody extends Schema.Schema.Type<typeof ApiErrorBody> {}

const decodeOption = Schema.decodeUnknownOption(ApiErrorBody)

/**
 * Decodes an error body from already-parsed JSON; anything that is not an object gives `None`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const fromJson = (json: unknown): Option.Option<ApiErrorBody> =>
  typeof json === "object" && json !== null && !Array.isArray(json) ? decodeOption(json) : Option.none()

/**
 * The most specific human message in a body: the rule's own message, then `message`, then `details`.
 *
 * @since 0.1.0
 * @category utils
 */
export const describe = (body: ApiErrorBody): string | undefined => {
  const custom = typeof body.error === "object" ? body.error.message : undefined
  return custom ?? body.message ?? (typeof body.error === "string" ? body.error : undefined)
}
