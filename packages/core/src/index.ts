/**
 * @voucherify-effect/core: the Voucherify Async Actions domain for Effect.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ApiErrorBody from "./ApiErrorBody.js"
/** @since 0.1.0 */
export * as AsyncAction from "./AsyncAction.js"
/** @since 0.1.0 */
export * as AsyncActionId from "./AsyncActionId.js"
/** @since 0.1.0 */
export * as AsyncActionList from "./AsyncActionList.js"
/** @since 0.1.0 */
export * as AsyncActionResult from "./AsyncActionResult.js"
/** @since 0.1.0 */
export * as AsyncActionType from "./AsyncActionType.js"
/** @since 0.3.0 */
export * as BufferedGet from "./BufferedGet.js"
/** @since 0.1.0 */
export * as Decoder from "./Decoder.js"
/** @since 0.2.0 */
export * as Input from "./Input.js"
/** @since 0.1.0 */
export * as IsoDateTime from "./IsoDateTime.js"
/** @since 0.2.0 */
export * as ResponseLimit from "./ResponseLimit.js"
/** @since 0.2.0 */
export * as Sanitize from "./Sanitize.js"
/** @since 0.1.0 */
export * as VoucherifyError from "./VoucherifyError.js"
