import { defineConfig } from "vitest/config"
import { reporters } from "../../vitest.shared.js"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters,
    // Every test spawns Deno and/or Node processes; CI runs this beside every other package's tests.
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
