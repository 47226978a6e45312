/**
 * The CLI's version (kept in step with package.json).
 *
 * @since 0.1.0
 */
export const version = "0.1.0"
