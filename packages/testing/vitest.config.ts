import { defineConfig } from "vitest/config"
import { reporters } from "../../vitest.shared.js"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters,
    // Real servers, child processes and long virtual-time runs (a 30-minute wait is ~150 polls of real
    // work): seconds on an idle machine, over vitest's 5 s default with every core busy (load average 18
    // on 2 cores measured it at 5.5 s).
    testTimeout: 60_000
  }
})
