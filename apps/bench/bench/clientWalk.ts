// The list walk both diagnosis scripts time: `VoucherifyClient.get` of each page with full decoding, and the
// library's own cursor (`Pagination.advance`), in one Effect loop (no Stream). Returns how many actions it saw.
import { AsyncActionList } from "@voucherify-effect/core"
import { Pagination, VoucherifyClient } from "@voucherify-effect/http"
import { Effect, Option } from "effect"

export const clientWalk = Effect.flatMap(VoucherifyClient.VoucherifyClient, (client) =>
  Effect.gen(function* () {
    let cursor: Pagination.Cursor = Pagination.start(Option.none())
    let count = 0
    for (;;) {
      const page = yield* client.get({
        path: "/v1/async-actions",
        urlParams: AsyncActionList.toUrlParams({
          limit: 100,
          ...Option.match(cursor.endDate, { onNone: () => ({}), onSome: (endDate) => ({ endDate }) })
        }),
        decode: AsyncActionList.decodeJson
      })
      const step = yield* Pagination.advance(cursor, page, 100)
      count += step.fresh.length
      if (Option.isNone(step.next)) return count
      cursor = step.next.value
    }
  })
)
