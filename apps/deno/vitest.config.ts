import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    // Every test spawns Deno and/or Node processes; CI runs this beside every other package's tests.
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
