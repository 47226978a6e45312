/**
 * The journal's database could not be opened or reached.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The engine's database could not be opened (SQLite) or reached (PostgreSQL) when its layer was built.
 * `store` says which, `reason` what the driver said (never the connection string's password).
 *
 * @since 0.1.0
 * @category errors
 */
export class DurableStoreError extends Schema.TaggedError<DurableStoreError>(
  "@voucherify-effect/workflow/DurableStoreError"
)("DurableStoreError", {
  store: Schema.Literal("sqlite", "postgres"),
  /** The file or the URL without its password. */
  location: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `Cannot open the ${this.store === "sqlite" ? "SQLite" : "PostgreSQL"} journal at ${this.location}: ${this.reason}`
  }
}
