// A response whose body was read whole before it was handed over: every body accessor answers from
// memory, so reading it needs no further I/O (and no further fiber suspension).
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as IncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import { ResponseLimit } from "@voucherify-effect/core"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/** The body as read: its bytes, or why reading it failed (a reset, a truncated message, an abort). */
export type Body =
  | { readonly _tag: "Read"; readonly bytes: Uint8Array }
  | { readonly _tag: "Failed"; readonly cause: unknown }

// Like `Response.text()`: UTF-8, a leading byte order mark dropped, malformed bytes replaced.
const utf8 = new TextDecoder()

export class BufferedResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [IncomingMessage.TypeId]: IncomingMessage.TypeId = IncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  // Read under the request's size limit: the client need not count its bytes again.
  readonly [ResponseLimit.BoundedBodyTypeId] = true
  readonly headers: Headers.Headers
  private readonly setCookie: ReadonlyArray<string> | string | undefined
  private cachedCookies: Cookies.Cookies | undefined
  private decodedText: string | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly status: number,
    headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
    private readonly body: Body
  ) {
    super()
    this.headers = Headers.fromInput(headers)
    this.setCookie = headers["set-cookie"]
  }

  get statusText(): string | undefined {
    return undefined
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  get cookies(): Cookies.Cookies {
    if (this.cachedCookies === undefined) {
      const header = this.setCookie
      this.cachedCookies =
        header === undefined ? Cookies.empty : Cookies.fromSetCookie(typeof header === "string" ? [header] : header)
    }
    return this.cachedCookies
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  private bytes(): Effect.Effect<Uint8Array, HttpClientError.ResponseError> {
    return this.body._tag === "Read" ? Effect.succeed(this.body.bytes) : Effect.fail(this.decodeError(this.body.cause))
  }

  // Decoded once, on first use.
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.bytes(), (bytes) => {
      this.decodedText ??= utf8.decode(bytes)
      return this.decodedText
    })
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : (JSON.parse(text) as unknown)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(this.bytes(), (bytes) => bytes.slice().buffer as ArrayBuffer)
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.flatMap(this.bytes(), (bytes) => (bytes.length === 0 ? Stream.empty : Stream.succeed(bytes)))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.bytes(), (bytes) =>
      Effect.tryPromise({
        // The web `Response` knows every multipart and urlencoded rule; the body is already in memory.
        try: () =>
          new Response(bytes as Uint8Array<ArrayBuffer>, {
            headers: { "content-type": this.headers["content-type"] ?? "" }
          }).formData(),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  toJSON(): unknown {
    return IncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}
