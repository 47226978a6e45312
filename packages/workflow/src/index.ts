/**
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as DurableAwait from "./DurableAwait.js"

/**
 * @since 0.1.0
 */
export * as DurableEngine from "./DurableEngine.js"
/**
 * @since 0.1.0
 */
export * as DurableStoreError from "./DurableStoreError.js"
/**
 * @since 0.1.0
 */
export * as StartAction from "./StartAction.js"
