/**
 * Fast decoders derived from a Schema. `make(schema)` compiles the schema's AST once into plain
 * closures that check and map a value in one pass; whenever that fast path is not certain (the input
 * does not fit, or the schema uses something it does not compile) the Schema decoder runs instead, so
 * a success is always the value the Schema decoder would give and a failure is always the Schema's
 * own `ParseError`. There is one source of truth: the schema.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { withFallback } from "./internal/compile.js"

/**
 * The text is not JSON at all (empty, cut short, HTML from a proxy, …).
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedJson extends Data.TaggedError("MalformedJson")<{ readonly detail: string }> {
  override get message() {
    return `Malformed JSON: ${this.detail}`
  }
}

/**
 * Why decoding JSON text failed: not JSON (`MalformedJson`) or JSON of the wrong shape (`ParseError`).
 *
 * @since 0.1.0
 * @category models
 */
export type DecodeFailure = MalformedJson | ParseResult.ParseError

/**
 * A decoder for one schema.
 *
 * @since 0.1.0
 * @category models
 */
export interface Decoder<A> {
  /** Decodes already-parsed JSON (the Schema's `decodeUnknownEither`, faster). */
  readonly decodeUnknownEither: (input: unknown) => Either.Either<A, ParseResult.ParseError>
  /** Decodes JSON text: `JSON.parse` then {@link Decoder.decodeUnknownEither}. */
  readonly decodeJson: (text: string) => Either.Either<A, DecodeFailure>
}

/**
 * Parses JSON text without throwing.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseJson = (text: string): Either.Either<unknown, MalformedJson> => {
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch (error) {
    return Either.left(new MalformedJson({ detail: error instanceof Error ? error.message : String(error) }))
  }
}

/**
 * Builds the fast decoder of a schema (compiled lazily, on first use).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, I>(schema: Schema.Schema<A, I, never>): Decoder<A> => {
  const decodeUnknownEither = withFallback<A>(schema.ast, Schema.decodeUnknownEither(schema))
  return {
    decodeUnknownEither,
    decodeJson: (text) => {
      const json = parseJson(text)
      return Either.isLeft(json) ? Either.left(json.left) : decodeUnknownEither(json.right)
    }
  }
}
