/**
 * Diagnosis helper, not part of `pnpm bench`: runs one contender's list (or get) loop repeatedly so it can
 * be profiled (kind: node | undici | fetch | raw | sdk), e.g.
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts node list
 *   tsx bench/profile.ts --summarize /tmp/prof/<file>.cpuprofile
 * With CPU_PROFILE=<file>, only the measured rounds are profiled (through the inspector), not start-up:
 *   CPU_PROFILE=/tmp/node-list.cpuprofile tsx bench/profile.ts node list 30
 */
import { readFileSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { FetchHttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { NodeTransport } from "@voucherify-effect/node"
import { library, officialSdk, rawFetch, undiciFloor } from "./contenders.js"
import { startEmulator } from "./emulator.js"
import { now } from "./stats.js"

interface Node {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: ReadonlyArray<number>
}

const summarizeProfile = (file: string) => {
  const profile = JSON.parse(readFileSync(file, "utf8")) as {
    nodes: ReadonlyArray<Node>
    samples: ReadonlyArray<number>
    timeDeltas: ReadonlyArray<number>
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const byPackage = new Map<string, number>()
  const byFunction = new Map<string, number>()
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame
    const url = frame.url
    const pkg =
      /node_modules\/\.pnpm\/([^/]+)/.exec(url)?.[1]?.replace(/@(\d[^_]*).*/, "") ??
      /packages\/([^/]+)\//.exec(url)?.[1] ??
      (url.startsWith("node:") ? url : url === "" ? `(${frame.functionName || "native"})` : "other")
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros)
    const key = `${frame.functionName || "(anonymous)"} ${url.replace(/.*node_modules\/\.pnpm\//, "")}:${frame.lineNumber}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros)
  }
  const show = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join("\n")
  console.log(`total ${(total / 1000).toFixed(0)} ms sampled\n\nself time by package:\n${show(byPackage, 15)}`)
  console.log(`\nself time by function:\n${show(byFunction, 30)}`)
  // Inclusive time of this repository's own functions (self time of everything they call, counted once
  // per sample even when a function recurses), to see which part of the library's path costs what.
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const inclusive = new Map<string, number>()
  for (const [id, micros] of self) {
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame
      if (!/\/(packages|apps)\/[^/]+\/(dist|src|bench)\//.test(frame.url) || frame.url.includes("node_modules"))
        continue
      const key = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/.*\/(packages|apps)\//, "")}:${frame.lineNumber}`
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + micros)
    }
  }
  console.log(`\ninclusive time of this repository's functions:\n${show(inclusive, 40)}`)
}

const main = async () => {
  const [kind = "node", op = "list", rounds = "20"] = process.argv.slice(2)
  const emu = await startEmulator({ seed: 10_000 })
  const contender =
    kind === "floor"
      ? undiciFloor(emu)
      : kind === "raw"
        ? rawFetch(emu)
        : kind === "sdk"
          ? officialSdk(emu)
          : library(
              emu,
              kind,
              kind === "fetch"
                ? FetchHttpClient.layer
                : kind === "undici"
                  ? NodeHttpClient.layerUndici
                  : NodeTransport.layer
            )
  const ids: Array<string> = []
  await contender.listAll(ids)
  const session = process.env.CPU_PROFILE === undefined ? undefined : new Session()
  if (session !== undefined) {
    session.connect()
    await session.post("Profiler.enable")
    await session.post("Profiler.start")
  }
  const start = now()
  const startCpu = process.cpuUsage()
  for (let i = 0; i < Number(rounds); i++) {
    if (op === "list") await contender.listAll()
    else await contender.getEach(ids.slice(0, 2000))
  }
  const cpu = process.cpuUsage(startCpu)
  if (session !== undefined) {
    const { profile } = await session.post("Profiler.stop")
    writeFileSync(process.env.CPU_PROFILE!, JSON.stringify(profile))
    session.disconnect()
  }
  console.log(
    `${kind} ${op}: ${((now() - start) / Number(rounds)).toFixed(1)} ms/round, client CPU ${((cpu.user + cpu.system) / 1000 / Number(rounds)).toFixed(1)} ms/round`
  )
  await contender.dispose()
  await emu.close()
}

if (process.argv[2] === "--summarize") summarizeProfile(process.argv[3]!)
else await main()
