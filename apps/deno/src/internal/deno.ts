/**
 * The few `Deno` APIs the entry uses, typed locally so the sources also type-check with `tsc` (which has
 * no Deno types); under `deno check` the real `Deno` global is used at run time and matches these shapes.
 */

/** @internal */
export interface Writer {
  readonly write: (bytes: Uint8Array) => Promise<number>
  readonly isTerminal: () => boolean
}

/** @internal */
export type Signal = "SIGINT" | "SIGTERM"

/** @internal */
export interface DenoApi {
  readonly args: ReadonlyArray<string>
  readonly stdout: Writer
  readonly stderr: Writer
  readonly env: { readonly toObject: () => Record<string, string> }
  readonly consoleSize: () => { readonly columns: number; readonly rows: number }
  readonly readFile: (path: string) => Promise<Uint8Array>
  readonly exit: (code?: number) => never
  readonly addSignalListener: (signal: Signal, handler: () => void) => void
  readonly removeSignalListener: (signal: Signal, handler: () => void) => void
  readonly errors: {
    readonly NotFound: new (...args: Array<never>) => Error
    readonly PermissionDenied: new (...args: Array<never>) => Error
    readonly NotCapable?: new (...args: Array<never>) => Error
    readonly BrokenPipe: new (...args: Array<never>) => Error
  }
}

/** @internal */
export const deno: DenoApi = (globalThis as unknown as { readonly Deno: DenoApi }).Deno

/** Writes every byte (a single `write` may take only part of them). @internal */
export const writeAll = async (writer: Writer, bytes: Uint8Array): Promise<void> => {
  let offset = 0
  while (offset < bytes.length) offset += await writer.write(bytes.subarray(offset))
}

/** The terminal size, when stdout (or another standard stream) is a terminal. @internal */
export const consoleSize = (): { readonly columns: number; readonly rows: number } | undefined => {
  try {
    return deno.consoleSize()
  } catch {
    return undefined
  }
}
