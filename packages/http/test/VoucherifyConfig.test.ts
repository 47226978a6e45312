import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Inspectable, Redacted } from "effect"
import * as VoucherifyConfig from "../src/VoucherifyConfig.js"
import { appId, secretKey } from "./support.js"

const keys = { appId, secretKey: Redacted.make(secretKey) }

const refused = (options: VoucherifyConfig.Options) => {
  const result = VoucherifyConfig.make(options)
  if (Either.isRight(result)) throw new Error("expected a configuration error")
  return result.left
}

describe("VoucherifyConfig", () => {
  it("defaults to the European cluster and maps clusters to URLs", () => {
    expect(Either.getOrThrow(VoucherifyConfig.make(keys)).baseUrl).toBe("https://api.voucherify.io")
    expect(Either.getOrThrow(VoucherifyConfig.make({ ...keys, cluster: "us1.api" })).baseUrl).toBe(
      "https://us1.api.voucherify.io"
    )
    expect(Either.getOrThrow(VoucherifyConfig.make({ ...keys, cluster: "as1.api" })).baseUrl).toBe(
      "https://as1.api.voucherify.io"
    )
    expect(refused({ ...keys, cluster: "evil.example.com/x" }).field).toBe("cluster")
  })

  it("accepts https anywhere and plain http only to loopback hosts", () => {
    for (const url of ["http://localhost:4010", "http://127.0.0.1:1", "http://127.8.9.10", "http://[::1]:80"]) {
      expect(Either.isRight(VoucherifyConfig.make({ ...keys, apiUrl: url }))).toBe(true)
    }
    expect(Either.getOrThrow(VoucherifyConfig.make({ ...keys, apiUrl: "https://eu.example.com/base/" })).baseUrl).toBe(
      "https://eu.example.com/base"
    )
    for (const url of ["http://api.voucherify.io", "http://10.0.0.1", "http://localhost.evil.com", "ftp://x", "nope"]) {
      const error = refused({ ...keys, apiUrl: url })
      expect(error._tag).toBe("InvalidConfig")
      expect(error.field).toBe("apiUrl")
    }
    expect(refused({ ...keys, apiUrl: "https://user:pw@api.voucherify.io" }).reason).toContain("credentials")
  })

  it("needs the key pair or a bearer token", () => {
    expect(refused({}).field).toBe("appId")
    expect(refused({ appId }).field).toBe("secretKey")
    expect(refused({ appId, secretKey: Redacted.make("") }).field).toBe("secretKey")
    const bearer = Either.getOrThrow(VoucherifyConfig.make({ accessToken: Redacted.make("tok") }))
    expect(bearer.auth._tag).toBe("Bearer")
  })

  it("validates the request timeout", () => {
    expect(refused({ ...keys, requestTimeout: 0 }).field).toBe("requestTimeout")
    expect(refused({ ...keys, requestTimeout: "forever" as never }).field).toBe("requestTimeout")
  })

  it.effect("reads the environment, with overrides winning", () =>
    Effect.gen(function* () {
      const env = ConfigProvider.fromMap(
        new Map([
          ["VOUCHERIFY_APP_ID", "env-app"],
          ["VOUCHERIFY_SECRET_KEY", secretKey],
          ["VOUCHERIFY_CLUSTER", "us1.api"],
          ["VOUCHERIFY_REQUEST_TIMEOUT", "5 seconds"]
        ])
      )
      const fromEnv = yield* VoucherifyConfig.load().pipe(Effect.withConfigProvider(env))
      expect(fromEnv.baseUrl).toBe("https://us1.api.voucherify.io")
      expect(fromEnv.auth._tag === "KeyPair" && fromEnv.auth.appId).toBe("env-app")
      const overridden = yield* VoucherifyConfig.load(VoucherifyConfig.fromEnv, {
        apiUrl: "http://127.0.0.1:4010",
        appId: "flag-app"
      }).pipe(Effect.withConfigProvider(env))
      expect(overridden.baseUrl).toBe("http://127.0.0.1:4010")
      expect(overridden.auth._tag === "KeyPair" && overridden.auth.appId).toBe("flag-app")
    })
  )

  it("never renders the secret", () => {
    const config = Either.getOrThrow(VoucherifyConfig.make(keys))
    const rendered = [
      JSON.stringify(config),
      String(config.auth._tag === "KeyPair" ? config.auth.secretKey : ""),
      Inspectable.format(config),
      JSON.stringify(Inspectable.toJSON(config))
    ].join("\n")
    expect(rendered).not.toContain(secretKey)
  })
})
