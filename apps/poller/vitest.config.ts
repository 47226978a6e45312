import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    // The end-to-end tests spawn the built CLI: each run is a new Node process.
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
