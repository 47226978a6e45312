import { defineConfig } from "vitest/config"
import { reporters } from "../../vitest.shared.js"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters,
    // Most tests here are fast-check properties of hundreds to thousands of runs: a few hundred ms on an
    // idle machine, over 5 s (vitest's default) with two CPU-bound processes alongside on 2 cores.
    testTimeout: 60_000
  }
})
