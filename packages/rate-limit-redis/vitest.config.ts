import { defineConfig } from "vitest/config"
import { reporters } from "../../vitest.shared.js"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A real redis-server and worker processes on a shared, loaded machine: generous timeouts.
    testTimeout: 300_000,
    hookTimeout: 60_000,
    reporters
  }
})
