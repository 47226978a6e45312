/**
 * A fast decoder compiled from a Schema's AST. It mirrors what `ParseResult` does for the subset of
 * AST nodes this package's schemas use (literals, keywords, refinements, structs, arrays, unions,
 * key renames and synchronous transformations), but as plain closures: no `Either` per node, no
 * issue trees. It never reports errors itself: any input it is not certain about (a failed check, a
 * node kind it does not compile, an effectful transformation) gives `Fail`, and the caller falls back
 * to the full Schema decoder, so every error message is the Schema's own.
 *
 * The contract the tests check: whenever the compiled decoder returns a value, the Schema decoder
 * succeeds with a deep-equal value.
 *
 * @internal
 */

import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as AST from "effect/SchemaAST"

/** @internal */
export const Fail: unique symbol = Symbol.for("@voucherify-effect/core/internal/compile/Fail")

/** @internal */
export type Compiled = (input: unknown) => unknown

const fail: Compiled = () => Fail

const isRecord = (u: unknown): u is Record<PropertyKey, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const hasOwn = Object.prototype.hasOwnProperty

const EitherTypeId = Either.TypeId

interface Field {
  readonly name: PropertyKey
  readonly target: PropertyKey
  /** A defined value under this name on a plain object is an own property (Object.prototype lacks the name). */
  readonly ownIfDefined: boolean
  readonly optional: boolean
  readonly decode: Compiled
}

/**
 * The field loop of a struct as straight-line code: one load per field under a constant name and one store
 * into an object literal's growing shape, instead of keyed loads and stores under a different name on every
 * turn of a loop (which V8 serves through its slow megamorphic paths: measured at ~1.1 µs per 10-field
 * action against ~0.13 µs). The code does exactly what the generic loop in `buildTypeLiteral` does, field by
 * field. Names are the schema's own (string keys only, written as JSON string literals); where code cannot be
 * generated (a symbol key, or a runtime that forbids `new Function`, e.g. under a Content Security Policy)
 * the generic loop runs.
 */
const specializeFields = (
  fields: ReadonlyArray<Field>
): ((u: Record<PropertyKey, unknown>, plain: boolean) => unknown) | undefined => {
  if (fields.some((f) => typeof f.name !== "string" || typeof f.target !== "string")) return undefined
  const lines = fields.map((f, i) => {
    const name = JSON.stringify(f.name)
    const absent = f.ownIfDefined
      ? `(v === undefined || !plain) && !hasOwn.call(u, ${name})`
      : `!hasOwn.call(u, ${name})`
    return [
      `v = u[${name}]`,
      `if (${absent}) {${f.optional ? "" : " return Fail "}}`,
      `else { a = d${i}(v); if (a === Fail) return Fail; out[${JSON.stringify(f.target)}] = a }`
    ].join("\n")
  })
  const source = `return function fields(u, plain) {\nconst out = {}\nlet v\nlet a\n${lines.join("\n")}\nreturn out\n}`
  try {
    const factory = new Function("hasOwn", "Fail", ...fields.map((_, i) => `d${i}`), source) as (
      ...args: ReadonlyArray<unknown>
    ) => (u: Record<PropertyKey, unknown>, plain: boolean) => unknown
    return factory(hasOwn, Fail, ...fields.map((f) => f.decode))
  } catch {
    return undefined
  }
}

const fromEither = (result: unknown): unknown => {
  // Transformations and declarations return an `Effect`; the synchronous ones return an `Either`.
  // Anything else (a real effect) is not certain here: fall back. (`Either.isEither` with the `in` check
  // written out: the generic, dual `hasProperty` measured as a tenth of a timestamp's decoding.)
  if (typeof result !== "object" || result === null || !(EitherTypeId in result)) return Fail
  return (result as Either.Either<unknown, unknown>)._tag === "Right"
    ? (result as Either.Right<unknown, unknown>).right
    : Fail
}

// Whether two type-side ASTs accept the same values and decode them the same way (structurally:
// same node kinds, literals, filters and declarations; annotations aside). Conservative: `false`
// whenever unsure.
const sameType = (a: AST.AST, b: AST.AST): boolean => {
  if (a === b) return true
  switch (a._tag) {
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "UndefinedKeyword":
    case "UnknownKeyword":
    case "AnyKeyword":
      return b._tag === a._tag
    case "Literal":
      return b._tag === "Literal" && b.literal === a.literal
    case "Refinement":
      return b._tag === "Refinement" && b.filter === a.filter && sameType(a.from, b.from)
    case "Declaration":
      return (
        b._tag === "Declaration" &&
        b.decodeUnknown === a.decodeUnknown &&
        b.typeParameters.length === a.typeParameters.length &&
        a.typeParameters.every((t, i) => sameType(t, b.typeParameters[i]!))
      )
    case "Union":
      return (
        b._tag === "Union" && b.types.length === a.types.length && a.types.every((t, i) => sameType(t, b.types[i]!))
      )
    case "TupleType":
      return (
        b._tag === "TupleType" &&
        a.elements.length === 0 &&
        b.elements.length === 0 &&
        b.rest.length === a.rest.length &&
        a.rest.every((t, i) => sameType(t.type, b.rest[i]!.type))
      )
    case "TypeLiteral":
      return (
        b._tag === "TypeLiteral" &&
        a.indexSignatures.length === 0 &&
        b.indexSignatures.length === 0 &&
        b.propertySignatures.length === a.propertySignatures.length &&
        a.propertySignatures.every((p, i) => {
          const q = b.propertySignatures[i]!
          return q.name === p.name && q.isOptional === p.isOptional && sameType(p.type, q.type)
        })
      )
    default:
      return false
  }
}

/**
 * Compiles the decoding side of `ast`. `options` are the parse options the Schema decoder it stands
 * in for is run with (they reach refinement filters and transformations unchanged).
 *
 * @internal
 */
export const compile = (
  ast: AST.AST,
  options: AST.ParseOptions = AST.defaultParseOption,
  /** Whether struct fields may be read and written by generated code (the default where `new Function` works). */
  specialize = true
): Compiled => {
  const memo = new Map<AST.AST, Compiled>()
  const go = (node: AST.AST): Compiled => {
    const cached = memo.get(node)
    if (cached !== undefined) return cached
    // Placeholder for recursive schemas (Suspend): resolved through the map at call time.
    let compiled: Compiled | undefined
    memo.set(node, (u) => (compiled as Compiled)(u))
    compiled = build(node)
    memo.set(node, compiled)
    return compiled
  }

  const build = (node: AST.AST): Compiled => {
    switch (node._tag) {
      case "Literal": {
        const literal = node.literal
        return (u) => (u === literal ? u : Fail)
      }
      case "StringKeyword":
        return (u) => (typeof u === "string" ? u : Fail)
      case "NumberKeyword":
        return (u) => (typeof u === "number" ? u : Fail)
      case "BooleanKeyword":
        return (u) => (typeof u === "boolean" ? u : Fail)
      case "UndefinedKeyword":
        return (u) => (u === undefined ? u : Fail)
      case "UnknownKeyword":
      case "AnyKeyword":
        return (u) => u
      case "Suspend":
        return (u) => go(node.f())(u)
      case "Refinement": {
        const from = go(node.from)
        const filter = node.filter
        return (u) => {
          const a = from(u)
          if (a === Fail) return Fail
          return Option.isNone(filter(a, options, node)) ? a : Fail
        }
      }
      case "Declaration": {
        const parse = node.decodeUnknown(...node.typeParameters)
        return (u) => fromEither(parse(u, options, node))
      }
      case "Union":
        return buildUnion(node)
      case "TupleType": {
        // Only `Array<A>`: no fixed elements, exactly one rest element.
        const rest = node.rest[0]
        if (node.elements.length !== 0 || node.rest.length !== 1 || rest === undefined) return fail
        const item = go(rest.type)
        return (u) => {
          if (!Array.isArray(u)) return Fail
          const out = new Array<unknown>(u.length)
          for (let i = 0; i < u.length; i++) {
            const a = item(u[i])
            if (a === Fail) return Fail
            out[i] = a
          }
          return out
        }
      }
      case "TypeLiteral":
        return buildTypeLiteral(node)
      case "Transformation":
        return buildTransformation(node)
      default:
        return fail
    }
  }

  const buildUnion = (node: AST.Union): Compiled => {
    const types = node.types
    const literalTypes = types.filter(AST.isLiteral)
    if (literalTypes.length === types.length) {
      const literals = new Set(literalTypes.map((t) => t.literal))
      return (u) => (literals.has(u as AST.LiteralValue) ? u : Fail)
    }
    const members = types.map(go)
    // `optional(X)` is `X | undefined`: a defined value cannot be `undefined`, so only X can accept it.
    const defined = types.filter((t) => t._tag !== "UndefinedKeyword")
    if (defined.length === 1 && types.length === 2) {
      const member = go(defined[0]!)
      const all = union(members)
      return (u) => (u === undefined ? all(u) : member(u))
    }
    return union(members)
  }

  const union = (members: ReadonlyArray<Compiled>): Compiled => {
    // Schema tries members in an order of its own (literal-keyed buckets first); the result is only
    // certain when every member that accepts the input gives the same primitive, or just one accepts.
    return (u) => {
      let found: unknown = Fail
      for (const member of members) {
        const a = member(u)
        if (a === Fail) continue
        if (found === Fail) found = a
        else if (typeof a === "object" || typeof found === "object" || !Object.is(a, found)) return Fail
      }
      return found
    }
  }

  const buildTypeLiteral = (node: AST.TypeLiteral, renames?: ReadonlyMap<PropertyKey, PropertyKey>): Compiled => {
    if (node.indexSignatures.length > 0 || node.propertySignatures.length === 0) return fail
    if (options.onExcessProperty === "preserve") return fail
    // In exact mode (`onExcessProperty: "error"`) any own key the struct does not declare is not certain.
    const declared =
      options.onExcessProperty === "error" ? new Set(node.propertySignatures.map((ps) => ps.name)) : undefined
    const props: ReadonlyArray<Field> = node.propertySignatures.map((ps) => ({
      name: ps.name,
      target: renames?.get(ps.name) ?? ps.name,
      ownIfDefined: !(ps.name in Object.prototype),
      optional: ps.isOptional,
      decode: go(ps.type)
    }))
    // Required literal properties (`_tag`, `object`) first: a cheap early exit inside unions.
    const guards = props.filter((p, i) => !p.optional && node.propertySignatures[i]?.type._tag === "Literal")
    const fields = specialize ? specializeFields(props) : undefined
    if (fields !== undefined) {
      return (u) => {
        if (!isRecord(u)) return Fail
        if (declared !== undefined) for (const key of Reflect.ownKeys(u)) if (!declared.has(key)) return Fail
        for (const g of guards) if (g.decode(u[g.name]) === Fail) return Fail
        return fields(u, Object.getPrototypeOf(u) === Object.prototype)
      }
    }
    return (u) => {
      if (!isRecord(u)) return Fail
      if (declared !== undefined) for (const key of Reflect.ownKeys(u)) if (!declared.has(key)) return Fail
      for (const g of guards) if (g.decode(u[g.name]) === Fail) return Fail
      const plain = Object.getPrototypeOf(u) === Object.prototype
      const out: Record<PropertyKey, unknown> = {}
      for (const p of props) {
        const v = u[p.name]
        // One keyed load in the common case: on a plain object (what JSON.parse builds) a defined value
        // under a name Object.prototype lacks is an own property; otherwise ask `hasOwn`, as ParseResult does.
        if ((v === undefined || !plain || !p.ownIfDefined) && !hasOwn.call(u, p.name)) {
          if (p.optional) continue
          return Fail
        }
        const a = p.decode(v)
        if (a === Fail) return Fail
        out[p.target] = a
      }
      return out
    }
  }

  const buildTransformation = (node: AST.Transformation): Compiled => {
    const from = go(node.from)
    const to = go(node.to)
    const transformation = node.transformation
    switch (transformation._tag) {
      case "FinalTransformation": {
        const decode = transformation.decode
        return (u) => {
          const a = from(u)
          if (a === Fail) return Fail
          const b = fromEither(decode(a, options, node, u))
          return b === Fail ? Fail : to(b)
        }
      }
      case "ComposeTransformation":
        return (u) => {
          const a = from(u)
          return a === Fail ? Fail : to(a)
        }
      case "TypeLiteralTransformation":
        return buildRenames(node, transformation)
    }
  }

  // A struct with `fromKey` fields: `from` is the wire TypeLiteral, the transformation renames keys,
  // `to` is the same TypeLiteral on the type side. ParseResult decodes `from`, renames in place, then
  // validates `to` again. When every rename is a pure `fromKey` (identity) and `to` is exactly the type
  // side of `from` (renamed), that second validation cannot fail and returns an equal value (a Schema
  // decode always yields a value of its type), so it is skipped and the renames are fused into the
  // single pass over `from`. Anything else compiles the faithful three steps.
  const buildRenames = (node: AST.Transformation, transformation: AST.TypeLiteralTransformation): Compiled => {
    const fromAst = node.from
    const toAst = node.to
    const psts = transformation.propertySignatureTransformations
    const renames = new Map<PropertyKey, PropertyKey>()
    for (const pst of psts) renames.set(pst.from, pst.to)
    // `from` need not be a TypeLiteral: `attachPropertySignature` on a struct with renames wraps one
    // transformation in another. Only a TypeLiteral `from` can be fused; anything else takes the three steps.
    const pure =
      AST.isTypeLiteral(fromAst) &&
      new Set<PropertyKey>(fromAst.propertySignatures.map((ps) => renames.get(ps.name) ?? ps.name)).size ===
        fromAst.propertySignatures.length &&
      psts.every((pst) => pst.decode === identity) &&
      AST.isTypeLiteral(toAst) &&
      toAst.indexSignatures.length === 0 &&
      toAst.propertySignatures.length === fromAst.propertySignatures.length &&
      toAst.propertySignatures.every((t) => {
        const f = fromAst.propertySignatures.find((ps) => (renames.get(ps.name) ?? ps.name) === t.name)
        return f !== undefined && f.isOptional === t.isOptional && sameType(t.type, AST.typeAST(f.type))
      })
    if (pure) return buildTypeLiteral(fromAst, renames)
    const from = go(fromAst)
    const to = go(toAst)
    return (u) => {
      const a = from(u)
      if (!isRecord(a)) return Fail
      // ParseResult renames in place (`delete`, then assign); a new object has the same keys and
      // values without turning the object into a slow dictionary-mode one.
      const b: Record<PropertyKey, unknown> = {}
      for (const key of Reflect.ownKeys(a)) if (!renames.has(key)) b[key] = a[key]
      for (const pst of psts) {
        const o = pst.decode(hasOwn.call(a, pst.from) ? Option.some(a[pst.from]) : Option.none())
        if (Option.isSome(o)) b[pst.to] = o.value
      }
      return to(b)
    }
  }

  return go(ast)
}

/**
 * A decoder that tries the compiled fast path and falls back to the Schema decoder when it is not certain.
 *
 * @internal
 */
export const withFallback = <A>(
  ast: AST.AST,
  slow: (u: unknown) => Either.Either<A, ParseResult.ParseError>,
  options: AST.ParseOptions = AST.defaultParseOption
): ((u: unknown) => Either.Either<A, ParseResult.ParseError>) => {
  let fast: Compiled | undefined
  return (u) => {
    // Compiled on first use, so importing the package costs nothing.
    fast ??= compile(ast, options)
    const a = fast(u)
    return a === Fail ? slow(u) : Either.right(a as A)
  }
}
