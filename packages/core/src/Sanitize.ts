/**
 * The one sanitiser for text a server chose (error bodies, headers, body excerpts, transport causes)
 * before it reaches a message, a log or a terminal: known secrets become `<redacted>`, control
 * characters and invisible formatting characters are shown escaped (`\x1b`, `\u202e`), so a hostile
 * body can neither drive a terminal nor forge a second line, and the text is cut to a length with an
 * ellipsis. It is idempotent: sanitised text passes through unchanged. Only error paths call it.
 *
 * @since 0.2.0
 */

/**
 * The default length cap, in characters (before escaping).
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxLength = 500

/**
 * What replaces a known secret.
 *
 * @since 0.2.0
 * @category constants
 */
export const redactedText = "<redacted>"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Characters kept before the ellipsis (default {@link defaultMaxLength}). */
  readonly maxLength?: number | undefined
  /** Values to replace by `<redacted>` wherever they occur (the configured secret key, token, app id). */
  readonly secrets?: ReadonlyArray<string> | undefined
}

// C0 controls, DEL, C1 controls, and the invisible characters that reorder or hide text on a terminal
// (zero-width, bidirectional overrides and isolates, line/paragraph separators, the BOM), plus lone
// surrogate halves (which some terminals render as garbage).
const unsafe =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }

const escapeChar = (char: string): string => {
  const name = named[char]
  if (name !== undefined) return name
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`
}

// Secrets shorter than this are not searched for: redacting every "a" would destroy the text and
// reveal the secret's length and position anyway.
const minimumSecretLength = 4

/**
 * Redacts known secrets (also their percent-encoded form), escapes control and invisible characters,
 * and caps the result at `maxLength` characters (escapes included) followed by `…`.
 *
 * @since 0.2.0
 * @category sanitising
 */
export const sanitize = (text: string, options: Options = {}): string => {
  const maxLength = options.maxLength ?? defaultMaxLength
  const secrets = options.secrets ?? []
  let longestSecret = 0
  for (const secret of secrets) longestSecret = Math.max(longestSecret, secret.length * 3)
  // Only a prefix can end up in the result (escaping only lengthens text); a secret straddling the
  // end of that prefix is still found in it.
  const prefixLength = maxLength + longestSecret + 1
  let source = text.length > prefixLength ? text.slice(0, prefixLength) : text
  for (const secret of secrets) {
    if (secret.length < minimumSecretLength) continue
    source = source.replaceAll(secret, redactedText)
    const encoded = encodeURIComponent(secret)
    if (encoded !== secret) source = source.replaceAll(encoded, redactedText)
  }
  let out = ""
  let last = 0
  let cut = false
  for (const match of source.matchAll(unsafe)) {
    out += source.slice(last, match.index)
    const escaped = escapeChar(match[0])
    if (out.length + escaped.length > maxLength) {
      cut = true
      break
    }
    out += escaped
    last = match.index + match[0].length
  }
  if (!cut) out += source.slice(last)
  let truncated = cut || text.length > prefixLength
  if (out.length > maxLength) {
    // Never cut a surrogate pair in half.
    const end = /[\ud800-\udbff]/.test(out.charAt(maxLength - 1)) ? maxLength - 1 : maxLength
    out = out.slice(0, end)
    truncated = true
  }
  return truncated ? `${out}…` : out
}

/**
 * A sanitiser bound to a set of secrets, for one client.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make =
  (secrets: ReadonlyArray<string>) =>
  (text: string, maxLength?: number): string =>
    sanitize(text, { secrets, maxLength })
