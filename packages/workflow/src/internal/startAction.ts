// One POST to a start endpoint, through the VoucherifyClient: its configuration, rate limiter, deadline,
// response size limit and redirect refusal. Never retried: a POST that failed may still have started the
// action, and a retried one could start it twice.
import { Decoder } from "@voucherify-effect/core"
import { VoucherifyClient } from "@voucherify-effect/http"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { PostOptions } from "../StartAction.js"

const StartAnswer = Decoder.make(Schema.Struct({ async_action_id: Schema.String }))

export const post = (options: PostOptions) =>
  Effect.flatMap(VoucherifyClient.VoucherifyClient, (client) =>
    client.post({ path: options.path, body: options.body, decode: StartAnswer.decodeJson })
  ).pipe(
    Effect.map((answer) => answer.async_action_id),
    Effect.withSpan("StartAction.post", { attributes: { "url.path": options.path }, captureStackTrace: false })
  )
