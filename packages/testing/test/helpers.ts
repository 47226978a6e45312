import { readFileSync } from "node:fs"
import * as Http from "node:http"
import { Ajv, type ValidateFunction } from "ajv"
import addFormatsModule from "ajv-formats"
import { Redacted } from "effect"
import { referenceDir as findReferenceDir } from "../../../scripts/reference.mjs"

// biome-ignore lint/suspicious/noExplicitAny: response JSON is inspected freely in tests; the contract validators check its shape
export type Json = any

// The shared reference lives outside the repository; scripts/reference.mjs says where (and hashes it for turbo).
export const referenceDir = findReferenceDir()
const spec = JSON.parse(readFileSync(`${referenceDir}/async-actions.openapi.json`, "utf8")) as Record<string, Json>

/** type → the `result` branch component of the spec's oneOf. */
export const resultComponent: Record<string, string> = {
  "CAMPAIGN.VOUCHERS_IMPORT": "17_res_obj_get_async_action_result_campaign_vouchers_import",
  "CAMPAIGN.VOUCHERS_IMPORT_CSV": "17_res_obj_get_async_action_result_campaign_vouchers_import_csv",
  "CAMPAIGN.VOUCHERS_UPDATE": "17_res_obj_get_async_action_result_campaign_vouchers_update",
  "CAMPAIGN.VOUCHERS_DELETE": "17_res_obj_get_async_action_result_campaign_vouchers_delete",
  "CAMPAIGN.VOUCHERS_GENERATE": "17_res_obj_get_async_action_result_campaign_vouchers_generate",
  "CAMPAIGNS.METADATA_KEY_PURGE": "17_res_obj_get_async_action_result_campaign_metadata_key_purge",
  "CUSTOMERS.IMPORT_CSV": "17_res_obj_get_async_action_result_customers_import_csv",
  "CUSTOMERS.BULK_UPDATE": "AsyncActionResultCustomersBulkUpdateResponseBody",
  "CUSTOMERS.METADATA_UPDATE": "AsyncActionResultCustomersMetadataUpdateResponseBody",
  "CUSTOMERS.METADATA_KEY_PURGE": "17_res_obj_get_async_action_result_customers_metadata_key_purge",
  "PRODUCTS.BULK_UPDATE": "AsyncActionResultProductsBulkUpdateResponseBody",
  "PRODUCTS.METADATA_UPDATE": "AsyncActionResultProductsMetadataUpdateResponseBody",
  "PRODUCTS.METADATA_KEY_PURGE": "17_res_obj_get_async_action_result_products_metadata_key_purge",
  "PRODUCTS.IMPORT_CSV": "AsyncActionResultProductsImportCSV",
  "SKUS.IMPORT_CSV": "17_res_obj_get_async_action_result_skus_import_csv",
  "VOUCHERS.IMPORT": "17_res_obj_get_async_action_result_vouchers_import",
  "VOUCHERS.IMPORT_CSV": "17_res_obj_get_async_action_result_vouchers_import_csv",
  "VOUCHERS.BULK_UPDATE": "AsyncActionResultVouchersBulkUpdateResponseBody",
  "VOUCHERS.METADATA_UPDATE": "AsyncActionResultVouchersMetadataUpdateResponseBody",
  "VOUCHERS.METADATA_KEY_PURGE": "17_res_obj_get_async_action_result_vouchers_metadata_key_purge",
  "ORDERS.IMPORT": "17_res_obj_get_async_action_result_orders_import",
  "ORDERS.METADATA_KEY_PURGE": "17_res_obj_get_async_action_result_orders_metadata_key_purge"
}

// Quirk 2 of the reference: VOUCHERS.IMPORT and ORDERS.IMPORT declare `failed` as one object, but the API
// (and every upstream example) sends an array of such objects; ORDERS.IMPORT also sends `source_id: null`.
// The emulator sends what the API sends, so `result` is checked against a copy of the spec with exactly
// those two declarations adjusted; everything else is the contract as saved.
const quirkSpec = structuredClone(spec)
for (const name of [
  "17_res_obj_get_async_action_result_vouchers_import",
  "17_res_obj_get_async_action_result_orders_import"
]) {
  const schema = quirkSpec.components.schemas[name]
  schema.properties.failed = { type: "array", items: schema.properties.failed }
}
quirkSpec.components.schemas[
  "17_res_obj_get_async_action_result_orders_import"
].properties.failed.items.properties.source_id = {
  type: ["string", "null"]
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false })
addFormats(ajv)
ajv.addSchema(spec, "spec")
ajv.addSchema(quirkSpec, "quirks")

const cache = new Map<string, ValidateFunction>()
const compile = (ref: string): ValidateFunction => {
  let validate = cache.get(ref)
  if (validate === undefined) {
    validate = ajv.compile({ $ref: ref })
    cache.set(ref, validate)
  }
  return validate
}

const check = (ref: string, value: unknown): void => {
  const validate = compile(ref)
  if (!validate(value)) {
    throw new Error(`${ref} rejected ${JSON.stringify(value).slice(0, 400)}: ${ajv.errorsText(validate.errors)}`)
  }
}

/** Whether the unmodified spec branch accepts a result (used to document quirk 2). */
export const strictResultValid = (type: string, result: unknown): boolean =>
  compile(`spec#/components/schemas/${resultComponent[type]}`)(result) as boolean

export const contract = {
  list: (body: unknown) => check("spec#/components/schemas/AsyncActionsListResponseBody", body),
  /** GET-by-id: the body without `result` against the spec, then `result` against its type's branch. */
  get: (body: Json) => {
    const { result, ...rest } = body
    check("spec#/components/schemas/AsyncActionGetResponseBody", rest)
    if (result !== undefined) {
      const component = resultComponent[body.type]
      if (component === undefined) throw new Error(`no result branch for type ${body.type}`)
      check(`quirks#/components/schemas/${component}`, result)
    }
  },
  error: (body: unknown) => check("spec#/components/schemas/Error", body),
  tooMany: (body: unknown) =>
    check("spec#/paths/~1v1~1async-actions/get/responses/429/content/application~1json/schema", body),
  accepted: (body: Json) => {
    if (typeof body?.async_action_id !== "string" || !/^aa_[0-9a-f]{18}$/.test(body.async_action_id)) {
      throw new Error(`bad 202 body ${JSON.stringify(body)}`)
    }
  }
}

export interface RawResult {
  readonly outcome: "complete" | "body-error" | "request-error"
  readonly status?: number
  readonly headers?: Http.IncomingHttpHeaders
  readonly body: string
  readonly error?: string
}

/** A raw request over a fresh connection (no keep-alive agent), reporting socket-level failures. */
export const raw = (
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}
): Promise<RawResult> =>
  new Promise((resolve) => {
    let done = false
    const finish = (result: RawResult) => {
      if (!done) {
        done = true
        resolve(result)
      }
    }
    const req = Http.request(
      url,
      {
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        agent: false,
        ...(options.signal ? { signal: options.signal } : {})
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        const partial = () => Buffer.concat(chunks).toString("utf8")
        res.on("end", () =>
          finish(
            res.complete
              ? { outcome: "complete", status: res.statusCode ?? 0, headers: res.headers, body: partial() }
              : {
                  outcome: "body-error",
                  status: res.statusCode ?? 0,
                  headers: res.headers,
                  body: partial(),
                  error: "incomplete"
                }
          )
        )
        res.on("error", (error: NodeJS.ErrnoException) =>
          finish({
            outcome: "body-error",
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: partial(),
            error: error.code ?? error.message
          })
        )
        res.on("aborted", () =>
          finish({
            outcome: "body-error",
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: partial(),
            error: "aborted"
          })
        )
      }
    )
    req.on("error", (error: NodeJS.ErrnoException) =>
      finish({ outcome: "request-error", body: "", error: error.code ?? error.message })
    )
    req.end(options.body)
  })

export const auth = (handle: { appId: string; secretKey: Redacted.Redacted<string> }): Record<string, string> => ({
  "x-app-id": handle.appId,
  "x-app-token": Redacted.value(handle.secretKey)
})

export const getJson = async (url: string, headers: Record<string, string>) => {
  const response = await fetch(url, { headers })
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json }
}
