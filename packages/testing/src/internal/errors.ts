// Shared by the socket server and the in-memory client, so the in-memory side never imports node:http.
import { Data } from "effect"

export class EmulatorStartError extends Data.TaggedError("EmulatorStartError")<{
  readonly reason: "NonLoopbackHost" | "InvalidOptions" | "ListenFailed"
  readonly message: string
  readonly cause?: unknown
}> {}
