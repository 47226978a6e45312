/**
 * @voucherify-effect/node: the Node transport for the Voucherify Async Actions client.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as NodeTransport from "./NodeTransport.js"
