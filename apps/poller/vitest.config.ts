import { defineConfig } from "vitest/config"
import { reporters } from "../../vitest.shared.js"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters,
    // The end-to-end tests spawn the built CLI: each run is a new Node process.
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
