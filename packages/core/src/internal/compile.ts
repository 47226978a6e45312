/**
 * A fast decoder compiled from a Schema's AST. It mirrors what `ParseResult` does for the subset of
 * AST nodes this package's schemas use (literals, keywords, refinements, structs, arrays, unions,
 * key renames and synchronous transformations), but as generated straight-line code (where the runtime
 * allows `new Function`) or plain closures: no `Either` per node, no issue trees, and nodes whose decoding
 * gives back the input (literals, keywords, refinements, unions of these) as inline tests. It never
 * reports errors itself: any input it is not certain about (a failed check, a node kind it does not
 * compile, an effectful transformation) gives `Fail`, and the caller falls back to the full Schema
 * decoder, so every error message is the Schema's own. A schema may hand it a decoder or a test of its
 * own for a node ({@link CompiledAnnotationId}, {@link CheckAnnotationId}): the timestamps and the id
 * patterns do, each pinned against its Schema decoder by the tests.
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

/**
 * An annotation under which a schema's author gives the compiler a decoder for that node: a function that
 * returns `Fail` or exactly the value the Schema decoder gives for the input, whatever the parse options
 * (the tests pin each one against the Schema decoder). The compiler uses it in place of the node.
 *
 * @internal
 */
export const CompiledAnnotationId: unique symbol = Symbol.for("@voucherify-effect/core/internal/compile/Compiled")

/**
 * An annotation under which a schema's author gives the compiler a test for a node whose decoding gives back
 * the input itself when the test holds and fails otherwise (a pattern, a range): generated code calls the
 * test in place of the node's filters (a regex or a chain of filter calls). The tests pin each one against
 * the Schema decoder.
 *
 * @internal
 */
export const CheckAnnotationId: unique symbol = Symbol.for("@voucherify-effect/core/internal/compile/Check")

/**
 * The annotations that give the compiler `check` for a node (see {@link CheckAnnotationId}).
 *
 * @internal
 */
export const compiledCheck = (
  check: (u: unknown) => boolean
): { readonly [CheckAnnotationId]: (u: unknown) => boolean } => ({ [CheckAnnotationId]: check })

const hookOf = (node: AST.AST): Compiled | undefined => {
  const hook = node.annotations[CompiledAnnotationId]
  return typeof hook === "function" ? (hook as Compiled) : undefined
}

const checkOf = (node: AST.AST): ((u: unknown) => boolean) | undefined => {
  const check = node.annotations[CheckAnnotationId]
  return typeof check === "function" ? (check as (u: unknown) => boolean) : undefined
}

// Whether the author gave the compiler a decoder or a test for this node (so its structure is not compiled).
const isAnnotated = (node: AST.AST): boolean => hookOf(node) !== undefined || checkOf(node) !== undefined

// A node that runs with parse options of its own (`parseOptions` annotation): not compiled (the slow path runs).
const hasParseOptions = (node: AST.AST): boolean => node.annotations[AST.ParseOptionsAnnotationId] !== undefined

interface Field {
  readonly name: PropertyKey
  readonly target: PropertyKey
  /** A defined value under this name on a plain object is an own property (Object.prototype lacks the name). */
  readonly ownIfDefined: boolean
  readonly optional: boolean
  readonly type: AST.AST
  readonly decode: Compiled
}

/** The values generated code refers to, passed in as the parameters `r0`, `r1`, … of its factory. */
class Refs {
  readonly values: Array<unknown> = []
  ref(value: unknown): string {
    let i = this.values.indexOf(value)
    if (i === -1) i = this.values.push(value) - 1
    return `r${i}`
  }
  build<F>(source: string): F | undefined {
    try {
      return new Function(...this.values.map((_, i) => `r${i}`), source)(...this.values) as F
    } catch {
      // A runtime that forbids `new Function` (e.g. under a Content Security Policy): closures instead.
      return undefined
    }
  }
}

/** A JavaScript boolean expression over the variable named by its argument. */
type Test = (v: string) => string
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
  /** Whether structs may be decoded by generated code (the default where `new Function` works). */
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

  // Nodes whose decoding either fails or gives back the input itself (literals, keywords, refinements and
  // unions of such) compile to an inline test: no call, no result to compare. `undefined` for anything else.
  const inlineTest = (node: AST.AST, refs: Refs): Test | undefined => {
    if (hasParseOptions(node) || hookOf(node) !== undefined) return undefined
    const check = checkOf(node)
    if (check !== undefined) {
      const name = refs.ref(check)
      return (v) => `${name}(${v})`
    }
    switch (node._tag) {
      case "Literal": {
        const literal = typeof node.literal === "string" ? JSON.stringify(node.literal) : refs.ref(node.literal)
        return (v) => `${v} === ${literal}`
      }
      case "StringKeyword":
        return (v) => `typeof ${v} === "string"`
      case "NumberKeyword":
        return (v) => `typeof ${v} === "number"`
      case "BooleanKeyword":
        return (v) => `typeof ${v} === "boolean"`
      case "UndefinedKeyword":
        return (v) => `${v} === undefined`
      case "UnknownKeyword":
      case "AnyKeyword":
        return () => "true"
      case "Refinement": {
        const from = inlineTest(node.from, refs)
        if (from === undefined) return undefined
        // `Option.isNone` of the filter's answer, the filter called as ParseResult calls it.
        const filter = refs.ref(node.filter)
        const self = refs.ref(node)
        const opts = refs.ref(options)
        return (v) => `(${from(v)} && ${filter}(${v}, ${opts}, ${self})._tag === "None")`
      }
      case "Union": {
        // ParseResult tries every member that is not a struct; the first that accepts gives its output,
        // here the input itself: the union accepts when any member does, in any order. So nested unions
        // are flattened and string literals tested last (more than four: one `Set` lookup, which hashes
        // the string), after the cheaper tests that usually decide.
        const members: Array<AST.AST> = []
        const flatten = (t: AST.AST) => {
          if (AST.isUnion(t) && !hasParseOptions(t) && !isAnnotated(t)) t.types.forEach(flatten)
          else members.push(t)
        }
        flatten(node)
        const isString = (t: AST.AST): t is AST.Literal =>
          AST.isLiteral(t) && typeof t.literal === "string" && !hasParseOptions(t) && !isAnnotated(t)
        const strings = members.filter(isString)
        const tests: Array<Test> = []
        for (const t of members) {
          if (isString(t)) continue
          const test = inlineTest(t, refs)
          if (test === undefined) return undefined
          tests.push(test)
        }
        if (strings.length > 4) {
          const set = refs.ref(new Set(strings.map((t) => t.literal)))
          tests.push((v) => `${set}.has(${v})`)
        } else {
          for (const t of strings) tests.push((v) => `${v} === ${JSON.stringify(t.literal)}`)
        }
        return tests.length === 0 ? () => "false" : (v) => `(${tests.map((test) => test(v)).join(" || ")})`
      }
      default:
        return undefined
    }
  }

  const build = (node: AST.AST): Compiled => {
    if (hasParseOptions(node)) return fail
    const hook = hookOf(node)
    if (hook !== undefined) return hook
    const check = checkOf(node)
    if (check !== undefined) return (u) => (check(u) ? u : Fail)
    if (specialize) {
      const refs = new Refs()
      const test = inlineTest(node, refs)
      const compiled =
        test && refs.build<Compiled>(`return function test(u) { return ${test("u")} ? u : ${refs.ref(Fail)} }`)
      if (compiled !== undefined) return compiled
    }
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

  // `optional(X)` is `X | undefined`: a defined value cannot be `undefined`, so only X can accept it.
  const definedMember = (node: AST.AST): AST.AST | undefined => {
    if (!AST.isUnion(node) || node.types.length !== 2 || hasParseOptions(node) || isAnnotated(node)) {
      return undefined
    }
    const defined = node.types.filter((t) => t._tag !== "UndefinedKeyword")
    return defined.length === 1 ? defined[0] : undefined
  }

  const buildUnion = (node: AST.Union): Compiled => {
    const types = node.types
    const literalTypes = types.filter(AST.isLiteral)
    if (literalTypes.length === types.length) {
      const literals = new Set(literalTypes.map((t) => t.literal))
      return (u) => (literals.has(u as AST.LiteralValue) ? u : Fail)
    }
    const members = types.map(go)
    const defined = definedMember(node)
    if (defined !== undefined) {
      const member = go(defined)
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
    const exact = options.onExcessProperty === "error"
    const props: ReadonlyArray<Field> = node.propertySignatures.map((ps) => ({
      name: ps.name,
      target: renames?.get(ps.name) ?? ps.name,
      ownIfDefined: !(ps.name in Object.prototype),
      optional: ps.isOptional,
      type: ps.type,
      decode: go(ps.type)
    }))
    const generated = specialize ? generateTypeLiteral(props, exact) : undefined
    if (generated !== undefined) return generated
    // In exact mode (`onExcessProperty: "error"`) any own key the struct does not declare is not certain.
    const declared = exact ? new Set(node.propertySignatures.map((ps) => ps.name)) : undefined
    // Required literal properties (`_tag`, `object`) first: a cheap early exit inside unions.
    const guards = props.filter((p) => !p.optional && p.type._tag === "Literal")
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

  /**
   * A struct as straight-line code: one load per field under a constant name, one store into an object
   * literal's growing shape, and the field's check written inline where it is a test (literals, keywords,
   * refinements, unions of these: `id`, `status`, `type`, counts) or one direct call of the field's decoder
   * otherwise (timestamps, arrays, nested structs). Keyed loads and stores under a different name on every
   * turn of a loop go through V8's slow megamorphic paths (measured at ~1.1 µs per 10-field action against
   * ~0.13 µs), and a closure per check costs a call and a result comparison each. The code does exactly what
   * the generic loop above does, field by field; in exact mode the excess-property check counts the own
   * declared keys instead of looking every own key up in a set (an undeclared own key makes
   * `Reflect.ownKeys` longer than that count). Names are the schema's own (string keys only, written as JSON
   * string literals); `undefined` (so the generic loop runs) for a symbol key or without `new Function`.
   */
  const generateTypeLiteral = (props: ReadonlyArray<Field>, exact: boolean): Compiled | undefined => {
    if (props.some((f) => typeof f.name !== "string" || typeof f.target !== "string")) return undefined
    const refs = new Refs()
    const FAIL = refs.ref(Fail)
    const HAS_OWN = refs.ref(hasOwn)
    const lines: Array<string> = []
    // Required literal properties (`_tag`, `object`) first: a cheap early exit inside unions.
    for (const p of props) {
      const test = !p.optional && AST.isLiteral(p.type) ? inlineTest(p.type, refs) : undefined
      if (test !== undefined) lines.push(`if (!(${test(`u[${JSON.stringify(p.name)}]`)})) return ${FAIL}`)
    }
    lines.push("const out = {}", "let v", "let a", "let n = 0")
    for (const p of props) {
      const name = JSON.stringify(p.name)
      const target = JSON.stringify(p.target)
      // On a plain object a name Object.prototype lacks is an own property exactly when it is `in` the
      // object: a defined value means present, and an `in` test (which V8 answers from the object's shape)
      // decides an undefined one, instead of a call of `hasOwnProperty` for every absent optional field.
      const absent = p.ownIfDefined
        ? `v === undefined ? (plain ? !(${name} in u) : !${HAS_OWN}.call(u, ${name})) : !plain && !${HAS_OWN}.call(u, ${name})`
        : `!${HAS_OWN}.call(u, ${name})`
      lines.push(`v = u[${name}]`, `if (${absent}) {${p.optional ? "" : ` return ${FAIL} `}} else {`)
      const test = inlineTest(p.type, refs)
      const defined = test === undefined ? definedMember(p.type) : undefined
      if (test !== undefined) {
        lines.push(`if (!(${test("v")})) return ${FAIL}`, `out[${target}] = v`)
      } else if (defined !== undefined) {
        lines.push(
          `a = v === undefined ? ${refs.ref(p.decode)}(v) : ${refs.ref(go(defined))}(v)`,
          `if (a === ${FAIL}) return ${FAIL}`,
          `out[${target}] = a`
        )
      } else {
        lines.push(`a = ${refs.ref(p.decode)}(v)`, `if (a === ${FAIL}) return ${FAIL}`, `out[${target}] = a`)
      }
      lines.push(exact ? "n++\n}" : "}")
    }
    if (exact) lines.push(`if (Reflect.ownKeys(u).length !== n) return ${FAIL}`)
    lines.push("return out")
    return refs.build<Compiled>(
      [
        "return function struct(u) {",
        `if (typeof u !== "object" || u === null || Array.isArray(u)) return ${FAIL}`,
        "const plain = Object.getPrototypeOf(u) === Object.prototype",
        ...lines,
        "}"
      ].join("\n")
    )
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
