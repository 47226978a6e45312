// The shared API reference (/work/shared/reference on the build machines) lives outside the repository,
// beside the clone (…/main and …/shared) or beside the worktrees' parent (…/wt/<name> and …/shared).
// `referenceDir` finds it for the contract tests; run as a script, this writes shared-reference.lock at
// the repository root: one `sha256  path` line per reference file. turbo's test task lists that file as
// an input, so an edited reference file changes the cache key and the contract tests run again (turbo
// cannot hash files outside the repository itself). `pnpm test` and `pnpm check` write it first.
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..")

/** The reference directory: $VOUCHERIFY_REFERENCE_DIR, else the nearest `shared/reference` above the repository. */
export const referenceDir = () => {
  const fromEnv = process.env.VOUCHERIFY_REFERENCE_DIR
  if (fromEnv) return resolve(fromEnv)
  for (let dir = repositoryRoot; ; dir = dirname(dir)) {
    const candidate = join(dir, "shared", "reference")
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate
    if (dirname(dir) === dir) break
  }
  throw new Error(
    `no shared/reference directory above ${repositoryRoot}: clone the repository beside shared/, or set VOUCHERIFY_REFERENCE_DIR`
  )
}

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]))

/** One `sha256  path` line per file of the reference, in path order. */
export const referenceLock = (dir = referenceDir()) =>
  files(dir)
    .map((file) => `${createHash("sha256").update(readFileSync(file)).digest("hex")}  ${relative(dir, file)}\n`)
    .join("")

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const lockFile = join(repositoryRoot, "shared-reference.lock")
  const lock = referenceLock()
  const before = existsSync(lockFile) ? readFileSync(lockFile, "utf8") : ""
  if (lock !== before) writeFileSync(lockFile, lock)
}
