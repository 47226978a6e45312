/**
 * The part of `FileSystem` the commands use (`--secret-key-file`: read one file), on `Deno.readFile`.
 * Every other operation fails as "not found". Reading a file needs `--allow-read` (for that path).
 *
 * @since 0.1.0
 */
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, type Layer } from "effect"
import { deno } from "./internal/deno.ts"

const reasonOf = (error: unknown): PlatformError.SystemErrorReason =>
  error instanceof deno.errors.NotFound
    ? "NotFound"
    : error instanceof deno.errors.PermissionDenied ||
        (deno.errors.NotCapable !== undefined && error instanceof deno.errors.NotCapable)
      ? "PermissionDenied"
      : "Unknown"

const readFile = (path: string) =>
  Effect.tryPromise({
    try: () => deno.readFile(path),
    catch: (cause) =>
      new PlatformError.SystemError({
        reason: reasonOf(cause),
        module: "FileSystem",
        method: "readFile",
        pathOrDescriptor: path,
        description: cause instanceof Error ? cause.message : String(cause),
        cause
      })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<FileSystem.FileSystem> = FileSystem.layerNoop({
  readFile,
  readFileString: (path, encoding) =>
    Effect.flatMap(readFile(path), (bytes) =>
      Effect.try({
        try: () => new TextDecoder(encoding ?? "utf-8", { fatal: true }).decode(bytes),
        catch: (cause) =>
          new PlatformError.BadArgument({
            module: "FileSystem",
            method: "readFileString",
            description: `${path} is not valid ${encoding ?? "utf-8"}`,
            cause
          })
      })
    )
})
