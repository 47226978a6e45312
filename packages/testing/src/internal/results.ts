// Realistic `result` bodies for each of the 22 types, shaped like the upstream examples.
import type { AsyncActionType } from "@voucherify-effect/core"
import * as Prng from "./prng.js"

type KnownType = AsyncActionType.KnownAsyncActionType

/** How a finished action ended. */
export type Outcome = "SUCCESS" | "FAILED" | "PARTIAL"

/** Which documented result family a type belongs to. */
export type Family = "Import" | "Summary" | "BulkUpdate" | "MetadataUpdate"

export const familyOf = (type: KnownType): Family => {
  if (type.endsWith("IMPORT") || type.endsWith("IMPORT_CSV")) return "Import"
  if (type.endsWith("BULK_UPDATE")) return "BulkUpdate"
  if (type.endsWith(".METADATA_UPDATE")) return "MetadataUpdate"
  return "Summary"
}

/** BULK_UPDATE and METADATA_UPDATE carry `operation_status` (also while running). */
export const hasOperationStatus = (type: KnownType): boolean => {
  const family = familyOf(type)
  return family === "BulkUpdate" || family === "MetadataUpdate"
}

const importNoun: Record<string, string> = {
  "CAMPAIGN.VOUCHERS_IMPORT": "voucher",
  "CAMPAIGN.VOUCHERS_IMPORT_CSV": "voucher",
  "VOUCHERS.IMPORT": "voucher",
  "VOUCHERS.IMPORT_CSV": "voucher",
  "CUSTOMERS.IMPORT_CSV": "customer",
  "PRODUCTS.IMPORT_CSV": "product",
  "SKUS.IMPORT_CSV": "sku",
  "ORDERS.IMPORT": "order"
}

const summaryVerb = (type: KnownType): { verb: string; noun: string } => {
  switch (type) {
    case "CAMPAIGN.VOUCHERS_UPDATE":
      return { verb: "Updated", noun: "vouchers" }
    case "CAMPAIGN.VOUCHERS_DELETE":
      return { verb: "Deleted", noun: "vouchers" }
    case "CAMPAIGN.VOUCHERS_GENERATE":
      return { verb: "Generated", noun: "vouchers" }
    default: {
      // *.METADATA_KEY_PURGE: "Updated 2 products."
      const prefix = type.slice(0, type.indexOf(".")).toLowerCase()
      return { verb: "Updated", noun: prefix }
    }
  }
}

const voucherReasons = [
  "unit: must be a number, property is required (actual value is 'EUR')",
  "Duplicate voucher code",
  "Voucher Type is required",
  "expiration_date: must be a valid date (actual value is '2023-13-01')"
]
const customerReasons = [
  "acquisition_channel: must be a string, property is required, must be equal to one of Facebook,Twitter,Website (actual value is 'snap')",
  "email: must be a valid email (actual value is 'john@')"
]
const productReasons = [
  "vendor: must be a string, property is required, must be equal to one of Vendor 1,Vendor 2 (actual value is 'Vendor 3')",
  "price: must be an integer (actual value is '9.99')"
]
const skuReasons = [
  "product_id: must be a string, property is required",
  "price: must be an integer (actual value is 'ten')"
]
const orderReasons = [
  "Internal error",
  "customer: must be an object",
  "amount: must be an integer (actual value is '-1')"
]

const MAX_ROWS = 100

const failedRow = (type: KnownType, index: number, prng: Prng.Prng): Record<string, unknown> => {
  const row = index + 1
  switch (type) {
    case "CAMPAIGN.VOUCHERS_IMPORT":
    case "VOUCHERS.IMPORT":
      return { code: `CODE-${prng.hex(6).toUpperCase()}`, reason: prng.pick(voucherReasons) }
    case "CAMPAIGN.VOUCHERS_IMPORT_CSV":
    case "VOUCHERS.IMPORT_CSV":
      return { code: `CODE-${prng.hex(6).toUpperCase()}`, row, reason: prng.pick(voucherReasons) }
    case "CUSTOMERS.IMPORT_CSV":
      return { source_id: `customer-${prng.hex(6)}@example.com`, row, reason: prng.pick(customerReasons) }
    case "PRODUCTS.IMPORT_CSV":
      return { row, source_id: `prod_${prng.hex(8)}`, reason: prng.pick(productReasons) }
    case "SKUS.IMPORT_CSV":
      return { row, reason: prng.pick(skuReasons) }
    default: {
      // ORDERS.IMPORT: upstream sends `source_id: null` for an internal error.
      const reason = prng.pick(orderReasons)
      return { source_id: reason === "Internal error" ? null : `order-${prng.hex(8)}`, reason }
    }
  }
}

const bulkError = (type: KnownType, prng: Prng.Prng): Record<string, unknown> => {
  const base = {
    message: "Resource not found",
    details: "Cannot find the resource with the given identifier",
    key: "not_found"
  }
  if (type === "VOUCHERS.BULK_UPDATE") return { ...base, code: `CODE-${prng.hex(6).toUpperCase()}` }
  if (type === "CUSTOMERS.BULK_UPDATE") return { ...base, source_id: `customer-${prng.hex(6)}` }
  if (type === "PRODUCTS.BULK_UPDATE") return { ...base, source_id: `prod_${prng.hex(8)}` }
  // *.METADATA_UPDATE: the schema declares only message, details and key.
  return { message: "Invalid metadata", details: "metadata.tier: must be a string", key: "invalid_metadata" }
}

const iso = (millis: number): string => new Date(millis).toISOString()

const DAY = 24 * 60 * 60 * 1000

/** Splits `size` into done and failed counts for an outcome. */
export const counts = (outcome: Outcome, size: number, prng: Prng.Prng): { done: number; failed: number } => {
  if (outcome === "SUCCESS" || size === 0) return { done: outcome === "FAILED" ? 0 : size, failed: 0 }
  if (outcome === "FAILED") return { done: 0, failed: size }
  const failed = Math.max(1, Math.min(size, Math.round(size * (0.05 + prng.next() * 0.3))))
  return { done: size - failed, failed }
}

/** The `result` of a finished action, deterministic from its id. */
export const resultFor = (action: {
  readonly id: string
  readonly type: KnownType
  readonly size: number
  readonly outcome: Outcome
  readonly finishedAt: number
}): Record<string, unknown> => {
  const prng = Prng.make(Prng.hashString(action.id))
  const { done, failed } = counts(action.outcome, action.size, prng)
  const type = action.type
  switch (familyOf(type)) {
    case "Import": {
      const noun = importNoun[type] ?? "item"
      const rows = Array.from({ length: Math.min(failed, MAX_ROWS) }, (_, i) => failedRow(type, i, prng))
      return {
        message: `${done} ${noun}(s) imported successfully, ${failed} failed.`,
        failed: rows,
        done_count: done,
        failed_count: failed
      }
    }
    case "Summary": {
      const { noun, verb } = summaryVerb(type)
      return action.outcome === "FAILED"
        ? { message: `${verb} 0 ${noun}. The operation failed: Internal error.`, done_count: 0 }
        : { message: `${verb} ${done} ${noun}.`, done_count: done }
    }
    case "BulkUpdate":
    case "MetadataUpdate":
      return {
        done_count: done,
        failed_count: failed,
        reports: [`https://download.voucherify.io/v1/reports/${action.id}/${prng.hex(12)}.csv`],
        reports_available_till: iso(action.finishedAt + 30 * DAY),
        errors: Array.from({ length: Math.min(failed, MAX_ROWS) }, () => bulkError(type, prng))
      }
  }
}
