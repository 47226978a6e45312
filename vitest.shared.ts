// The reporters every package's vitest.config.ts uses. vitest's JSON reporter drops unhandled errors
// (it ignores the errors argument of onFinished) and does not say which suite failed in a hook, so a
// run with a failing afterAll or an unhandled rejection could read as "all passed". This reporter
// writes the same test-results.json with two more fields that .ci/summarize.mjs requires:
// `unhandledErrors` and `suiteErrors` (errors of a file or describe block itself: hooks, load errors).
import type { RunnerTestFile as File, RunnerTask as Task } from "vitest"
import { JsonReporter } from "vitest/reporters"

interface Described {
  readonly name: string
  readonly message: string
}

const describe = (error: unknown): Described => {
  const e = (typeof error === "object" && error !== null ? error : { message: String(error) }) as {
    name?: unknown
    type?: unknown
    message?: unknown
  }
  return {
    name: String(e.type ?? e.name ?? "Error"),
    message: String(e.message ?? "").slice(0, 500)
  }
}

const suiteErrors = (tasks: ReadonlyArray<Task>, path: ReadonlyArray<string>): Array<Described & { suite: string }> =>
  tasks.flatMap((task) => {
    if (task.type !== "suite") return []
    const here = [...path, task.name]
    const own = (task.result?.errors ?? []).map((error) => ({ suite: here.join(" > "), ...describe(error) }))
    return [...own, ...suiteErrors(task.tasks, here)]
  })

/** vitest's JSON report plus `unhandledErrors` and `suiteErrors`. */
export class JsonReportWithErrors extends JsonReporter {
  private extra: { unhandledErrors: Array<Described>; suiteErrors: Array<Described & { suite: string }> } = {
    unhandledErrors: [],
    suiteErrors: []
  }

  override async onFinished(
    files: Array<File> = this.ctx.state.getFiles(),
    errors: Array<unknown> = [],
    coverage?: unknown
  ) {
    this.extra = {
      unhandledErrors: errors.map(describe),
      suiteErrors: suiteErrors(files, [])
    }
    await super.onFinished(files, errors, coverage)
  }

  override async writeReport(report: string) {
    await super.writeReport(JSON.stringify({ ...JSON.parse(report), ...this.extra }))
  }
}

/** `reporters` for every package: the console, and test-results.json for .ci/summarize.mjs. */
export const reporters = ["default", new JsonReportWithErrors({ outputFile: "test-results.json" })]
