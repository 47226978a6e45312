import { defineConfig } from "vitest/config"
import { reporters } from "../../vitest.shared.js"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters,
    // Some tests run many client calls in virtual time (the secrets test: hundreds of requests and their
    // renderings): under a second on an idle machine, 5.5 s with every core busy (vitest's default is 5 s).
    testTimeout: 60_000
  }
})
