/**
 * Flag decoders: each turns the text of a flag into its value at parse time, through the validator that
 * `@voucherify-effect/core` holds for it, so a bad value is refused before any command runs, with the
 * validator's one-line message naming the flag and the value.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import {
  AsyncAction,
  AsyncActionId,
  AsyncActionList,
  AsyncActionType,
  Input,
  type VoucherifyError
} from "@voucherify-effect/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

// The validator's message, wherever it sits in the issue (an array of repeated flags nests it).
const validatorMessage = (issue: ParseResult.ParseIssue): string | undefined => {
  switch (issue._tag) {
    case "Type":
      return issue.message
    case "Transformation":
    case "Refinement":
    case "Pointer":
      return validatorMessage(issue.issue)
    case "Composite":
      return Array.isArray(issue.issues)
        ? validatorMessage((issue.issues as ReadonlyArray<ParseResult.ParseIssue>)[0] as ParseResult.ParseIssue)
        : validatorMessage(issue.issues as ParseResult.ParseIssue)
    default:
      return undefined
  }
}

const messageOf = (issue: ParseResult.ParseIssue): string =>
  validatorMessage(issue) ?? ParseResult.TreeFormatter.formatIssueSync(issue)

/** A repeatable flag: every value decoded by `schema`; the first bad one is reported. @internal */
export const many = <A>(schema: Schema.Schema<A, string>): Schema.Schema<Array<A>, Array<string>> =>
  Schema.mutable(Schema.Array(schema)).annotations({
    message: (issue) => ({ message: messageOf(issue), override: true })
  })

/** A flag's text decoded by a validator into `to`'s type; the failure is the validator's message. @internal */
export const validated = <A>(
  to: Schema.Schema<A>,
  validate: (input: string) => Either.Either<A, VoucherifyError.InvalidInput>
): Schema.Schema<A, string> =>
  Schema.transformOrFail(Schema.String, to, {
    strict: true,
    decode: (input, _, ast) =>
      Either.match(validate(input), {
        onLeft: (error) => ParseResult.fail(new ParseResult.Type(ast, input, error.message)),
        onRight: ParseResult.succeed
      }),
    encode: (value, _, ast) => ParseResult.fail(new ParseResult.Forbidden(ast, value, "flags are only decoded"))
  }).annotations({ message: (issue) => ({ message: messageOf(issue), override: true }) })

/** `<id>`: an async action id. @internal */
export const id = validated(Schema.typeSchema(AsyncActionId.AsyncActionId), (input) => Input.validateId(input, "<id>"))

/** `--limit`: 1..100 (digits only; anything else is refused with the value shown). @internal */
export const limit = validated(AsyncActionList.Limit, (input) =>
  AsyncActionList.validateLimit(/^\s*\d{1,4}\s*$/.test(input) ? Number(input) : input, "--limit")
)

/** `--end-date`: an ISO 8601 date or date-time. @internal */
export const endDate = validated(Schema.DateTimeUtcFromSelf, (input) =>
  AsyncActionList.validateDate(input, "--end-date")
)

/** `--status`: a status, any case. @internal */
export const status = validated(AsyncAction.Status, (input) => AsyncActionList.validateStatus(input, "--status"))

/** `--type`: a documented async action type, any case. @internal */
export const type = validated(Schema.typeSchema(AsyncActionType.KnownAsyncActionType), (input) =>
  AsyncActionList.validateType(input, "--type")
)

/** A duration flag (`--timeout`, `--interval`). @internal */
export const duration = (field: string) =>
  validated(Schema.DurationFromSelf, (input) => Input.validateDuration(input, field))

/**
 * `--secret-key-file`: read at parse time, the trailing newline dropped; the key is `Redacted` from here
 * on. A file that cannot be read is refused naming the flag and the path (never the contents).
 * @internal
 */
export const secretKeyFile: Schema.Schema<
  Redacted.Redacted<string>,
  string,
  FileSystem.FileSystem
> = Schema.transformOrFail(Schema.String, Schema.RedactedFromSelf(Schema.String), {
  strict: true,
  decode: (path, _, ast) =>
    Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
      Effect.mapBoth({
        onFailure: (error) =>
          new ParseResult.Type(
            ast,
            path,
            `Invalid --secret-key-file: cannot read ${JSON.stringify(path)} (${
              error._tag === "SystemError" && error.reason === "NotFound"
                ? "no such file"
                : error._tag === "SystemError" && error.reason === "PermissionDenied"
                  ? "permission denied"
                  : "not readable"
            })`
          ),
        onSuccess: (text) => Redacted.make(text.replace(/\r?\n$/, ""))
      })
    ),
  encode: (value, _, ast) => ParseResult.fail(new ParseResult.Forbidden(ast, value, "flags are only decoded"))
}).annotations({ message: (issue) => ({ message: messageOf(issue), override: true }) })
