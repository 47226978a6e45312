import { expect, it } from "@effect/vitest"

it("placeholder until the reliability suite lands", () => {
  expect(1).toBe(1)
})
