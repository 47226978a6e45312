// Sums the vitest JSON reports (test-results.json, written by vitest.shared.ts's reporter) of every
// workspace package that has a `test` script into the closing line `N passed, N failed[, N skipped]`
// that CI reads. "failed" counts everything that did not pass, not only failed tests: a package whose
// report is missing (its test task did not run, or vitest crashed), an error of a file or describe
// block itself (a failing beforeAll/afterAll, a file that failed to load), an unhandled error or
// rejection, a test that never finished, and a run vitest itself called unsuccessful. Each is printed
// on its own line above the closing line. Usage: node .ci/summarize.mjs [repository root]
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"

const root = process.argv[2] ?? process.cwd()

/** Workspace package directories, from pnpm-workspace.yaml (`dir/*` globs and plain paths). */
const workspaceDirs = () => {
  const yaml = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8")
  const block = yaml.split(/^packages:\s*$/m)[1] ?? ""
  const patterns = []
  for (const line of block.split("\n")) {
    const item = /^\s+-\s+["']?([^"'#]+?)["']?\s*$/.exec(line)
    if (item) patterns.push(item[1])
    else if (/^\S/.test(line)) break
  }
  return patterns.flatMap((pattern) => {
    if (pattern.startsWith("!")) return []
    if (!pattern.endsWith("/*")) return [pattern]
    const parent = join(root, pattern.slice(0, -2))
    if (!existsSync(parent)) return []
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(pattern.slice(0, -2), entry.name))
  })
}

/** The packages that must report: every workspace package whose package.json has a `test` script. */
const mustReport = workspaceDirs()
  .filter((dir) => {
    const manifest = join(root, dir, "package.json")
    if (!existsSync(manifest)) return false
    return typeof JSON.parse(readFileSync(manifest, "utf8")).scripts?.test === "string"
  })
  .sort()

let passed = 0
let failed = 0
let skipped = 0
const problems = []
const fail = (dir, what, count = 1) => {
  failed += count
  problems.push(`FAILED ${dir}: ${what}`)
}
const oneLine = (text) =>
  String(text ?? "")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300)

for (const dir of mustReport) {
  const file = join(root, dir, "test-results.json")
  if (!existsSync(file)) {
    fail(dir, "no test-results.json: its test task did not run (a failed dependency?) or vitest crashed")
    continue
  }
  let report
  try {
    report = JSON.parse(readFileSync(file, "utf8"))
  } catch (error) {
    fail(dir, `test-results.json is not JSON (${oneLine(error.message)})`)
    continue
  }
  let explained = 0
  let failedTests = 0
  for (const suite of report.testResults ?? []) {
    const name = relative(join(root, dir), suite.name ?? "?")
    for (const test of suite.assertionResults ?? []) {
      if (test.status === "passed") passed++
      else if (test.status === "failed") {
        failedTests++
        problems.push(`FAILED ${dir}: ${name} > ${test.fullName}`)
      } else if (test.status === "skipped" || test.status === "todo") skipped++
      else {
        // "pending": the test was collected but never finished (its file crashed or was cut short).
        failedTests++
        problems.push(`FAILED ${dir}: ${name} > ${test.fullName}: did not finish (${test.status})`)
      }
    }
  }
  failed += failedTests
  explained += failedTests
  if (!Array.isArray(report.unhandledErrors) || !Array.isArray(report.suiteErrors)) {
    fail(dir, "report written without vitest.shared.ts's reporter: unhandled errors and hook failures unknown")
    explained++
  } else {
    for (const error of report.suiteErrors) {
      fail(
        dir,
        `error in ${error.suite} itself (a hook or the file's loading): ${error.name}: ${oneLine(error.message)}`
      )
      explained++
    }
    for (const error of report.unhandledErrors) {
      fail(dir, `unhandled error: ${error.name}: ${oneLine(error.message)}`)
      explained++
    }
  }
  if (report.success !== true && explained === 0) {
    fail(
      dir,
      `vitest reports success: false (${report.numFailedTestSuites ?? "?"} failed suites, ${report.numTotalTests ?? "?"} tests)`
    )
  } else if ((report.numFailedTestSuites ?? 0) > 0 && explained === 0) {
    fail(dir, `${report.numFailedTestSuites} failed suites without a failed test`)
  }
}

console.log(`test reports expected from ${mustReport.length} packages: ${mustReport.join(" ")}`)
for (const line of problems) console.log(line)
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
process.exitCode = failed > 0 ? 1 : 0
