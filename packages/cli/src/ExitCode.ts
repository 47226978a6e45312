/**
 * The exit codes scripts rely on, and the one pure function from an error to its code.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | an async action finished FAILED |
 * | 2 | usage or invalid input (nothing was sent) |
 * | 3 | the API refused the request (400, 401, 403, 404, other non-transient 4xx) |
 * | 4 | the API stayed unavailable after retries (429, 5xx, transport, request timeout, bad response) |
 * | 5 | a wait passed its `--timeout` |
 * | 70 | internal error (a bug: please report it) |
 * | 130 | interrupted (Ctrl-C) |
 *
 * @since 0.1.0
 */
import { VoucherifyError } from "@voucherify-effect/core"
import { Data } from "effect"

/**
 * @since 0.1.0
 * @category constants
 */
export const Success = 0
/**
 * @since 0.1.0
 * @category constants
 */
export const ActionFailed = 1
/**
 * @since 0.1.0
 * @category constants
 */
export const Usage = 2
/**
 * @since 0.1.0
 * @category constants
 */
export const Refused = 3
/**
 * @since 0.1.0
 * @category constants
 */
export const Unavailable = 4
/**
 * @since 0.1.0
 * @category constants
 */
export const Timeout = 5
/**
 * @since 0.1.0
 * @category constants
 */
export const Internal = 70
/**
 * @since 0.1.0
 * @category constants
 */
export const Interrupted = 130

/**
 * @since 0.1.0
 * @category models
 */
export type ExitCode = 0 | 1 | 2 | 3 | 4 | 5 | 70 | 130

/**
 * The exit code of a library error.
 *
 * @since 0.1.0
 * @category utils
 */
export const fromError = (error: VoucherifyError.VoucherifyError): ExitCode => {
  switch (error._tag) {
    case "InvalidInput":
    case "InvalidConfig":
      return Usage
    case "BadRequest":
    case "Unauthorized":
    case "Forbidden":
    case "NotFound":
      return Refused
    case "UnexpectedStatus":
      // 408 (and other statuses the client retries) is a transient failure, not a refusal.
      return VoucherifyError.isTransient(error) ? Unavailable : Refused
    case "RateLimited":
    case "ServerError":
    case "TransportError":
    case "RequestTimeout":
    case "InvalidResponse":
    case "PaginationStalled":
      return Unavailable
    case "WaitTimeout":
      return Timeout
    case "AsyncActionFailed":
      return ActionFailed
  }
}

/**
 * A command ended with a non-zero exit code; whatever needed saying has been printed already.
 *
 * @since 0.1.0
 * @category errors
 */
export class Exit extends Data.TaggedError("CliExit")<{ readonly code: ExitCode }> {}
