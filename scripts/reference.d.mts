/** The repository's root directory. */
export declare const repositoryRoot: string
/** The shared API reference: $VOUCHERIFY_REFERENCE_DIR, else the nearest `shared/reference` above the repository. */
export declare const referenceDir: () => string
/** One `sha256  path` line per file of the reference, in path order. */
export declare const referenceLock: (dir?: string) => string
