import { defineConfig } from "vitest/config"
import { reporters } from "../../vitest.shared.js"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters,
    // Both files run npm installs, tsc and Node processes: one at a time, so a loaded machine still answers
    // vitest's worker calls in time.
    fileParallelism: false
  }
})
