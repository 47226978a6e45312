// The emulator's request handler: one pure-ish function from a request to a response, shared by the node
// server adapter (Emulator.ts) and the in-process HttpClient adapter (InMemory.ts).
import { AsyncActionList, AsyncActionType } from "@voucherify-effect/core"
import { Clock, Effect, Either } from "effect"
import type * as EmulatorState from "../EmulatorState.js"
import * as Faults from "../Faults.js"
import * as Prng from "./prng.js"

export interface RouterRequest {
  readonly method: string
  /** Path and query, e.g. `/v1/async-actions?limit=5`. */
  readonly url: string
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: string
}

/** What the transport must do instead of (or while) sending the response. */
export type Transport =
  | { readonly _tag: "Reset"; readonly afterBytes: number }
  | { readonly _tag: "Truncated"; readonly afterBytes: number }
  | { readonly _tag: "Hang" }

export interface RouterResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly transport?: Transport
  readonly fault?: Faults.FaultKind
}

export interface RequestLogEntry {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly status: number
  readonly fault?: Faults.FaultKind
  /** Epoch milliseconds (from the `Clock`). */
  readonly at: number
}

export interface Credentials {
  readonly appId: string
  readonly secretKey: string
  readonly accessTokens: ReadonlyArray<string>
}

export interface RouterConfig {
  readonly state: EmulatorState.EmulatorState
  readonly credentials: Credentials
  readonly rateLimitPerMinute?: number | undefined
  /** Whether a spent budget answers 429 (default true); otherwise only the headers are sent. */
  readonly enforceRateLimit?: boolean | undefined
  /** Window length (default one minute). */
  readonly rateLimitWindowMillis?: number | undefined
  readonly faults?: Faults.FaultProfile | undefined
}

export interface Router {
  readonly handle: (request: RouterRequest) => Effect.Effect<RouterResponse>
  readonly setFaults: (profile: Faults.FaultProfile | undefined) => void
  readonly faultProfile: () => Faults.FaultProfile | undefined
  readonly faultsInjected: () => Record<Faults.FaultKind, number>
  readonly requests: () => ReadonlyArray<RequestLogEntry>
  readonly clearRequests: () => void
}

const JSON_TYPE = "application/json; charset=utf-8"
const MAX_BODY = 10 * 1024 * 1024
const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/

/** Endpoints that start an async action: path → type and status. */
const starters: Record<string, { readonly type: AsyncActionType.KnownAsyncActionType; readonly status: 200 | 202 }> = {
  "/v1/vouchers/metadata/async": { type: "VOUCHERS.METADATA_UPDATE", status: 202 },
  "/v1/vouchers/bulk/async": { type: "VOUCHERS.BULK_UPDATE", status: 202 },
  "/v1/customers/bulk/async": { type: "CUSTOMERS.BULK_UPDATE", status: 202 },
  "/v1/customers/metadata/async": { type: "CUSTOMERS.METADATA_UPDATE", status: 202 },
  "/v1/products/bulk/async": { type: "PRODUCTS.BULK_UPDATE", status: 202 },
  "/v1/products/metadata/async": { type: "PRODUCTS.METADATA_UPDATE", status: 202 },
  "/v1/vouchers/import": { type: "VOUCHERS.IMPORT", status: 202 },
  "/v1/orders/import": { type: "ORDERS.IMPORT", status: 200 }
}

/** Constant-time string comparison (length still leaks, which is fine for a test server). */
const safeEqual = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

const header = (request: RouterRequest, name: string): string | undefined => {
  const value = request.headers[name]
  return typeof value === "string" ? value : value?.[0]
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): RouterResponse => ({
  status,
  headers: { "content-type": JSON_TYPE, ...headers },
  body: JSON.stringify(body)
})

/** How many items a start request carries: an array's length, or the length of its first array field. */
const itemCount = (payload: unknown): number | undefined => {
  if (Array.isArray(payload)) return payload.length
  if (typeof payload === "object" && payload !== null) {
    for (const key of ["codes", "source_ids", "vouchers", "customers", "products", "orders", "data"]) {
      const value = (payload as Record<string, unknown>)[key]
      if (Array.isArray(value)) return value.length
    }
  }
  return undefined
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

export const make = (config: RouterConfig): Router => {
  const { credentials, state } = config
  const ids = Prng.derive(state.options.seedValue, "request-ids")
  let injector = config.faults === undefined ? undefined : Faults.makeInjector(config.faults)
  const injected = Faults.emptyCounts()
  let log: Array<RequestLogEntry> = []
  let window = { start: 0, used: 0 }

  const requestId = (): string => `v-${ids.hex(18)}`

  const error = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    json(status, { ...body, request_id: requestId() }, headers)

  const notFoundRoute = (method: string, path: string) =>
    error(404, {
      code: 404,
      key: "not_found",
      message: "Resource not found",
      details: `Cannot ${method} ${path.length <= 200 ? path : `${path.slice(0, 200)}…`}`
    })

  const methodNotAllowed = (allow: string) =>
    error(405, { code: 405, key: "method_not_allowed", message: "Method Not Allowed" }, { allow })

  const badQuery = (details: string) =>
    error(400, { code: 400, key: "invalid_query_params", message: "Invalid query params", details })

  const badPayload = (details: string) =>
    error(400, { code: 400, key: "invalid_payload", message: "Invalid payload", details })

  const tooManyRequests = (headers: Record<string, string>) =>
    error(429, { code: 429, message: "Too many requests hit the API too quickly." }, headers)

  const authorized = (request: RouterRequest): boolean => {
    const appId = header(request, "x-app-id")
    const token = header(request, "x-app-token")
    if (appId !== undefined && token !== undefined) {
      return safeEqual(appId, credentials.appId) && safeEqual(token, credentials.secretKey)
    }
    const authorization = header(request, "authorization")
    const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (match === null) return false
    const presented = match[1] as string
    return credentials.accessTokens.some((token) => safeEqual(presented, token))
  }

  const windowMillis = config.rateLimitWindowMillis ?? 60_000
  const enforce = config.enforceRateLimit ?? true

  /** Fixed window (one minute unless configured); returns the headers and whether the budget is spent. */
  const rateLimit = (now: number): { headers: Record<string, string>; limited: boolean } => {
    const limit = config.rateLimitPerMinute
    if (limit === undefined) return { headers: {}, limited: false }
    const windowStart = now - (now % windowMillis)
    if (window.start !== windowStart) window = { start: windowStart, used: 0 }
    const windowEnd = windowStart + windowMillis
    const limited = enforce && window.used >= limit
    if (!limited) window.used++
    const headers: Record<string, string> = {
      "x-rate-limit-limit": String(limit),
      "x-rate-limit-remaining": String(Math.max(enforce ? 0 : 1, limit - window.used)),
      "x-rate-limit-retry": String(Math.ceil((limited ? windowEnd : now) / 1000))
    }
    if (limited) {
      headers["retry-after"] = String(Math.max(1, Math.ceil((windowEnd - now) / 1000)))
      headers["x-rate-limit-type"] = "api_calls"
    }
    return { headers, limited }
  }

  const listActions = (query: URLSearchParams, now: number): RouterResponse => {
    const limits = query.getAll("limit")
    let limit: number | undefined
    if (limits.length > 0) {
      const raw = limits.length === 1 ? (limits[0] as string) : ""
      if (!/^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return badQuery("Property .limit must be a number")
      const value = Number(raw)
      if (!Number.isInteger(value)) return badQuery("Property .limit must be an integer")
      if (value < 1) return badQuery("Property .limit must be greater than or equal to 1")
      if (value > 100) return badQuery("Property .limit must be less than or equal to 100")
      limit = value
    }
    const endDates = query.getAll("end_date")
    let endDate: number | undefined
    if (endDates.length > 0) {
      const parsed = endDates.length === 1 ? AsyncActionList.parseDate(endDates[0] as string) : Either.left("repeated")
      if (Either.isLeft(parsed)) return badQuery("Property .end_date cannot be recognized as a ISO-8601 compliant date")
      endDate = parsed.right.epochMillis
    }
    return json(200, state.list({ limit, endDate }, now))
  }

  const getAction = (rawId: string, now: number): RouterResponse => {
    let id: string | undefined
    try {
      id = decodeURIComponent(rawId)
    } catch {
      id = undefined
    }
    const action = id === undefined ? undefined : state.get(id, now)
    if (action !== undefined) return json(200, action)
    const echo = id !== undefined && ID_PATTERN.test(id)
    return error(404, {
      code: 404,
      key: "not_found",
      message: "Resource not found",
      ...(echo
        ? { details: `Cannot find async_action with id ${id}`, resource_id: id }
        : { details: "Cannot find async_action with the given id" }),
      resource_type: "async_action"
    })
  }

  const startAction = (
    request: RouterRequest,
    starter: (typeof starters)[string] & {},
    now: number
  ): RouterResponse => {
    if (request.body.length > MAX_BODY) {
      return json(413, { statusCode: 413, error: "Payload Too Large", message: "Request body is larger than 10 MB" })
    }
    let payload: unknown
    try {
      payload = request.body.trim() === "" ? undefined : JSON.parse(request.body)
    } catch {
      return badPayload("Request body is not valid JSON")
    }
    const size = itemCount(payload)
    if (size === undefined) return badPayload("Request body must be an array of items or an object with a list of ids")
    const action = state.createAt({ type: starter.type, size }, now)
    return json(starter.status, { async_action_id: action.id })
  }

  const routeV1 = (request: RouterRequest, url: URL, now: number): RouterResponse => {
    const path = url.pathname.replace(/\/+$/, "") || "/"
    if (path === "/v1/async-actions") {
      return request.method === "GET" ? listActions(url.searchParams, now) : methodNotAllowed("GET")
    }
    const byId = /^\/v1\/async-actions\/([^/]+)$/.exec(path)
    if (byId !== null) {
      return request.method === "GET" ? getAction(byId[1] as string, now) : methodNotAllowed("GET")
    }
    const starter = starters[path]
    if (starter !== undefined) {
      return request.method === "POST" ? startAction(request, starter, now) : methodNotAllowed("POST")
    }
    return notFoundRoute(request.method, path)
  }

  // ---- faults -------------------------------------------------------------------------------------------

  const drift = (response: RouterResponse, detail: number): RouterResponse => {
    let body: unknown
    try {
      body = JSON.parse(response.body)
    } catch {
      return response
    }
    if (!isRecord(body)) return response
    const extra = (action: Record<string, unknown>, index: number) => ({
      ...action,
      user: { id: `user_${Prng.make(Prng.hashString(String(action.id))).hex(12)}`, type: "api_key" },
      log_id: `log_${Prng.make(Prng.hashString(`${String(action.id)}:${index}`)).hex(16)}`,
      priority: "normal"
    })
    const future = (action: Record<string, unknown>) => ({
      ...action,
      type: "VOUCHERS.FUTURE_TYPE",
      ...("result" in action ? { result: { future_counter: 7, shards: [{ name: "eu-1", state: "merged" }] } } : {})
    })
    let drifted: Record<string, unknown> = { ...body, api_version: "v2026-01-01" }
    if (Array.isArray(body.async_actions)) {
      const actions = body.async_actions.filter(isRecord).map(extra)
      const pick = Math.floor(detail * actions.length)
      drifted = {
        ...drifted,
        async_actions: actions.map((action, index) => (index === pick ? future(action) : action))
      }
    } else if (body.object === "async_action") {
      drifted = future(extra(drifted, 0))
    }
    return { ...response, body: JSON.stringify(drifted) }
  }

  const withFault = (
    decision: Faults.Decision,
    run: () => RouterResponse,
    rateHeaders: Record<string, string>
  ): RouterResponse => {
    const kind = decision.kind
    switch (kind) {
      case "rate_limited":
        return {
          ...tooManyRequests({
            ...rateHeaders,
            "retry-after": String(injector?.profile.retryAfterSeconds ?? 1),
            "x-rate-limit-type": "api_calls",
            "x-rate-limit-remaining": "0"
          }),
          fault: kind
        }
      case "server_error": {
        const status = Faults.serverErrorStatus(decision.detail)
        const message = {
          500: "Internal Server Error",
          502: "Bad Gateway",
          503: "Service Unavailable",
          504: "Gateway Timeout"
        }[status]
        return { ...error(status, { code: status, message }, rateHeaders), fault: kind }
      }
      case "hang":
        return { status: 0, headers: {}, body: "", transport: { _tag: "Hang" }, fault: kind }
      case "reset": {
        const response = run()
        // Half the time right after the headers, otherwise after part of the body.
        const afterBytes =
          decision.detail < 0.5 ? 0 : Math.max(1, Math.floor(response.body.length * decision.detail * 0.9))
        return { ...response, transport: { _tag: "Reset", afterBytes }, fault: kind }
      }
      case "truncated": {
        const response = run()
        const afterBytes = Math.max(1, Math.floor(response.body.length * (0.1 + decision.detail * 0.8)))
        return {
          ...response,
          transport: { _tag: "Truncated", afterBytes: Math.min(afterBytes, response.body.length - 1) },
          fault: kind
        }
      }
      case "malformed": {
        const response = run()
        const cut = Math.max(1, Math.floor(response.body.length * (0.2 + decision.detail * 0.6)))
        return { status: 200, headers: response.headers, body: `${response.body.slice(0, cut)}\u0000<`, fault: kind }
      }
      case "wrong_content_type":
        run()
        return {
          status: 200,
          headers: { ...rateHeaders, "content-type": "text/html; charset=utf-8" },
          body: "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We'll be right back</h1></body></html>",
          fault: kind
        }
      case "drift":
        return { ...drift(run(), decision.detail), fault: kind }
    }
  }

  // ---- admin API ----------------------------------------------------------------------------------------

  const admin = (request: RouterRequest, path: string, now: number): RouterResponse => {
    switch (path) {
      case "/_emulator/health":
        return request.method === "GET" ? json(200, { status: "ok", actions: state.size() }) : methodNotAllowed("GET")
      case "/_emulator/requests":
        if (request.method === "GET") return json(200, log)
        if (request.method === "DELETE") {
          log = []
          return { status: 204, headers: {}, body: "" }
        }
        return methodNotAllowed("GET, DELETE")
      case "/_emulator/faults": {
        if (request.method === "GET") return json(200, { profile: injector?.profile ?? null, injected })
        if (request.method !== "PUT") return methodNotAllowed("GET, PUT")
        let payload: unknown
        try {
          payload = JSON.parse(request.body)
        } catch {
          return badPayload("Body must be a fault profile (JSON) or null")
        }
        if (payload === null) {
          injector = undefined
          return json(200, { profile: null, injected })
        }
        const decoded = Faults.decode(payload)
        if (Either.isLeft(decoded)) return badPayload(decoded.left)
        injector = Faults.makeInjector(decoded.right)
        return json(200, { profile: decoded.right, injected })
      }
      case "/_emulator/async-actions": {
        if (request.method !== "POST") return methodNotAllowed("POST")
        let payload: unknown
        try {
          payload = JSON.parse(request.body)
        } catch {
          return badPayload("Body must be JSON")
        }
        if (!isRecord(payload) || typeof payload.type !== "string" || !AsyncActionType.isKnown(payload.type)) {
          return badPayload("Property .type must be one of the 22 async action types")
        }
        const num = (key: string): number | undefined | "invalid" => {
          const value = payload[key]
          if (value === undefined) return undefined
          return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : "invalid"
        }
        const durationMillis = num("duration_ms")
        const startAfterMillis = num("start_after_ms")
        const size = num("size")
        const createdAt = num("created_at_ms")
        for (const [key, value] of Object.entries({ durationMillis, startAfterMillis, size, createdAt })) {
          if (value === "invalid") return badPayload(`Property .${key} must be a non-negative integer`)
        }
        const outcome = payload.outcome
        if (outcome !== undefined && outcome !== "SUCCESS" && outcome !== "FAILED" && outcome !== "PARTIAL") {
          return badPayload("Property .outcome must be one of SUCCESS, FAILED, PARTIAL")
        }
        const action = state.createAt(
          {
            type: payload.type,
            durationMillis: durationMillis as number | undefined,
            startAfterMillis: startAfterMillis as number | undefined,
            size: size as number | undefined,
            createdAt: createdAt as number | undefined,
            outcome
          },
          now
        )
        return json(201, state.get(action.id, now))
      }
      default:
        return notFoundRoute(request.method, path)
    }
  }

  const handle = (request: RouterRequest): Effect.Effect<RouterResponse> =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      let url: URL
      try {
        url = new URL(request.url, "http://emulator.invalid")
      } catch {
        return notFoundRoute(request.method, "/")
      }
      const path = url.pathname
      if (path.startsWith("/_emulator/")) return admin(request, path.replace(/\/+$/, ""), now)

      let response: RouterResponse
      if (path === "/v1" || path.startsWith("/v1/")) {
        const decision = injector?.next()
        const rate =
          decision?.kind === "rate_limited" || decision?.kind === "server_error" || decision?.kind === "hang"
            ? { headers: {}, limited: false }
            : rateLimit(now)
        const run = (): RouterResponse => {
          if (rate.limited) return tooManyRequests(rate.headers)
          if (!authorized(request)) {
            return error(401, { code: 401, message: "Unauthorized", key: "unauthorized" }, rate.headers)
          }
          const routed = routeV1(request, url, now)
          return { ...routed, headers: { ...routed.headers, ...rate.headers } }
        }
        if (decision === undefined) {
          response = run()
        } else {
          injected[decision.kind]++
          response = withFault(decision, run, rate.headers)
        }
      } else {
        response = notFoundRoute(request.method, path)
      }
      log.push({
        method: request.method,
        path,
        query: Object.fromEntries(url.searchParams),
        status: response.status,
        ...(response.fault === undefined ? {} : { fault: response.fault }),
        at: now
      })
      return response
    })

  return {
    handle,
    setFaults: (profile) => {
      injector = profile === undefined ? undefined : Faults.makeInjector(profile)
    },
    faultProfile: () => injector?.profile,
    faultsInjected: () => ({ ...injected }),
    requests: () => log.slice(),
    clearRequests: () => {
      log = []
    }
  }
}
