import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Real redis-server and worker processes on a shared, loaded machine: generous timeouts.
    testTimeout: 240_000,
    hookTimeout: 60_000,
    reporters: ["default", ["json", { outputFile: "test-results.json" }]]
  }
})
