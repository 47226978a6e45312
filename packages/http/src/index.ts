/**
 * @voucherify-effect/http: the Voucherify Async Actions client on `@effect/platform`'s HttpClient.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as AsyncActions from "./AsyncActions.js"
/** @since 0.1.0 */
export * as Pagination from "./Pagination.js"
/** @since 0.1.0 */
export * as PollPolicy from "./PollPolicy.js"
/** @since 0.1.0 */
export * as RateLimit from "./RateLimit.js"
/** @since 0.1.0 */
export * as RetryPolicy from "./RetryPolicy.js"
/** @since 0.1.0 */
export * as VoucherifyClient from "./VoucherifyClient.js"
/** @since 0.1.0 */
export * as VoucherifyConfig from "./VoucherifyConfig.js"
