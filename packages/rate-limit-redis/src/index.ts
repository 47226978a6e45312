/**
 * @voucherify-effect/rate-limit-redis: one Voucherify rate-limit budget for a fleet of processes, on Redis.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as RedisRateLimit from "./RedisRateLimit.js"
