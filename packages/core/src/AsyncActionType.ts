/**
 * The 22 documented async action types, plus a forward-compatible fallback: a type this library
 * does not know yet decodes as an `UnknownAsyncActionType` string instead of failing the page.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { compiledCheck } from "./internal/compile.js"

/**
 * Every documented type, in the order of the API reference.
 *
 * @since 0.1.0
 * @category constants
 */
export const knownTypes = [
  "CAMPAIGN.VOUCHERS_IMPORT",
  "CAMPAIGN.VOUCHERS_IMPORT_CSV",
  "CAMPAIGN.VOUCHERS_UPDATE",
  "CAMPAIGN.VOUCHERS_DELETE",
  "CAMPAIGN.VOUCHERS_GENERATE",
  "CAMPAIGNS.METADATA_KEY_PURGE",
  "CUSTOMERS.IMPORT_CSV",
  "CUSTOMERS.BULK_UPDATE",
  "CUSTOMERS.METADATA_UPDATE",
  "CUSTOMERS.METADATA_KEY_PURGE",
  "PRODUCTS.BULK_UPDATE",
  "PRODUCTS.METADATA_UPDATE",
  "PRODUCTS.METADATA_KEY_PURGE",
  "PRODUCTS.IMPORT_CSV",
  "SKUS.IMPORT_CSV",
  "VOUCHERS.IMPORT",
  "VOUCHERS.IMPORT_CSV",
  "VOUCHERS.BULK_UPDATE",
  "VOUCHERS.METADATA_UPDATE",
  "VOUCHERS.METADATA_KEY_PURGE",
  "ORDERS.IMPORT",
  "ORDERS.METADATA_KEY_PURGE"
] as const

/**
 * @since 0.1.0
 * @category schemas
 */
export const KnownAsyncActionType = Schema.Literal(...knownTypes)

/**
 * @since 0.1.0
 * @category models
 */
export type KnownAsyncActionType = typeof KnownAsyncActionType.Type

/**
 * A type string the library does not know (yet). Kept verbatim so it re-encodes unchanged.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnknownAsyncActionType = Schema.String.pipe(
  Schema.maxLength(200),
  Schema.brand("UnknownAsyncActionType"),
  Schema.annotations({
    identifier: "UnknownAsyncActionType",
    // The same test for the compiled decoders.
    ...compiledCheck((u) => typeof u === "string" && u.length <= 200)
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type UnknownAsyncActionType = typeof UnknownAsyncActionType.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const AsyncActionType = Schema.Union(KnownAsyncActionType, UnknownAsyncActionType).annotations({
  identifier: "AsyncActionType"
})

/**
 * @since 0.1.0
 * @category models
 */
export type AsyncActionType = typeof AsyncActionType.Type

const known: ReadonlySet<string> = new Set(knownTypes)

/**
 * @since 0.1.0
 * @category guards
 */
export const isKnown = (type: string): type is KnownAsyncActionType => known.has(type)

/**
 * Which result family a type reports. Families follow the API reference's result schemas.
 *
 * @since 0.1.0
 * @category models
 */
export type ResultFamily = "Import" | "Summary" | "BulkUpdate" | "Unrecognized"

/**
 * @since 0.1.0
 * @category utils
 */
export const resultFamily = (type: AsyncActionType): ResultFamily => {
  if (!isKnown(type)) return "Unrecognized"
  if (type.endsWith("IMPORT") || type.endsWith("IMPORT_CSV")) return "Import"
  if (type.endsWith("BULK_UPDATE") || type.endsWith(".METADATA_UPDATE")) return "BulkUpdate"
  return "Summary"
}
