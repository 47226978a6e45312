/**
 * @voucherify-effect/cli: the `voucherify-async` command line as a platform-neutral program. An entry
 * file picks a runtime (Node, Deno) and provides `HttpClient`, the `@effect/cli` environment and {@link Stdio}.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Cli from "./Cli.js"
/** @since 0.1.0 */
export * as ExitCode from "./ExitCode.js"
/** @since 0.1.0 */
export * as Help from "./Help.js"
/** @since 0.1.0 */
export * as Render from "./Render.js"
/** @since 0.1.0 */
export * as Spec from "./Spec.js"
/** @since 0.1.0 */
export * as Stdio from "./Stdio.js"
/** @since 0.1.0 */
export * as Watch from "./Watch.js"
