// One POST to a start endpoint, with the VoucherifyClient's configuration. Not retried, not rate-limited
// beyond what the server says: a start is rare, and a retried POST could start the action twice.
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { ApiErrorBody, Decoder, VoucherifyError } from "@voucherify-effect/core"
import { VoucherifyClient } from "@voucherify-effect/http"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { PostOptions } from "../StartAction.js"

const StartAnswer = Decoder.make(Schema.Struct({ async_action_id: Schema.String }))

export const post = (options: PostOptions) =>
  Effect.gen(function* () {
    const client = yield* VoucherifyClient.VoucherifyClient
    const http = yield* HttpClient.HttpClient
    const { config } = client
    const method = "POST"
    const path = options.path
    const auth =
      config.auth._tag === "Bearer"
        ? { authorization: `Bearer ${Redacted.value(config.auth.token)}` }
        : { "x-app-id": config.auth.appId, "x-app-token": Redacted.value(config.auth.secretKey) }
    const request = HttpClientRequest.post(`${config.baseUrl}${path}`).pipe(
      HttpClientRequest.setHeaders({
        accept: "application/json",
        "user-agent": VoucherifyClient.userAgent,
        "x-voucherify-channel": VoucherifyClient.userAgent,
        ...Option.match(config.apiVersion, { onNone: () => ({}), onSome: (v) => ({ "x-voucherify-api-version": v }) }),
        ...auth
      }),
      HttpClientRequest.bodyUnsafeJson(options.body)
    )
    const timeoutMillis = Duration.toMillis(config.requestTimeout)
    const exchange = Effect.flatMap(http.execute(request), (response) =>
      Effect.map(response.text, (body) => ({ status: response.status, body }))
    ).pipe(
      Effect.scoped,
      Effect.mapError(
        (error) =>
          new VoucherifyError.TransportError({
            method,
            path,
            reason: `${error.reason}: ${error.message}`.slice(0, 300)
          })
      ),
      Effect.timeoutFail({
        duration: config.requestTimeout,
        onTimeout: () => new VoucherifyError.RequestTimeout({ method, path, timeoutMillis })
      })
    )
    const { body, status } = yield* exchange
    if (status < 200 || status > 299) {
      const errorBody = Either.match(Decoder.parseJson(body), {
        onLeft: () => undefined,
        onRight: (json) => Option.getOrUndefined(ApiErrorBody.fromJson(json))
      })
      return yield* VoucherifyError.fromStatus({ status, method, path, body: errorBody })
    }
    return yield* Either.match(StartAnswer.decodeJson(body), {
      onLeft: (failure) => Either.left(VoucherifyError.invalidResponse({ status, method, path, body, failure })),
      onRight: (answer) => Either.right(answer.async_action_id)
    })
  }).pipe(Effect.withSpan("StartAction.post", { attributes: { "url.path": options.path }, captureStackTrace: false }))
