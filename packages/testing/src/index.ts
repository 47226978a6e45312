/**
 * @voucherify-effect/testing: a Voucherify Async Actions emulator (real HTTP server and in-memory HttpClient).
 *
 * @since 0.1.0
 */

/**
 * The real client on an in-memory emulator, for tests under `TestClock`.
 *
 * @since 0.1.0
 */
export * as AsyncActionsTest from "./AsyncActionsTest.js"
/** The HTTP server emulator: `make`, `layer`, the `Emulator` tag and its handle. @since 0.1.0 */
export * as Emulator from "./Emulator.js"
/** The in-memory store of actions and their lifecycle (time from `Clock`). @since 0.1.0 */
export * as EmulatorState from "./EmulatorState.js"
/** Fault profiles and the deterministic fault injector. @since 0.1.0 */
export * as Faults from "./Faults.js"
/** An in-process `HttpClient` served by the emulator's router (no socket). @since 0.1.0 */
export * as InMemory from "./InMemory.js"
/** Deterministic historical actions for seeding. @since 0.1.0 */
export * as Seed from "./Seed.js"
