// A small seeded PRNG (mulberry32) and helpers. Nothing in the emulator's data or faults uses Math.random,
// so the same seed always replays the same history and the same fault sequence.

/** A deterministic source of numbers in [0, 1). */
export interface Prng {
  readonly next: () => number
  readonly int: (minInclusive: number, maxInclusive: number) => number
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  readonly hex: (length: number) => string
  readonly chance: (probability: number) => boolean
}

/** FNV-1a over a string, as an unsigned 32-bit seed. */
export const hashString = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** mulberry32: fast, 32-bit state, good enough for test data. */
export const make = (seed: number): Prng => {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    pick: <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)] as A,
    hex: (length: number): string => {
      let out = ""
      while (out.length < length)
        out += Math.floor(next() * 0x1000000)
          .toString(16)
          .padStart(6, "0")
      return out.slice(0, length)
    },
    chance: (probability: number): boolean => next() < probability
  }
}

/** A PRNG derived from a seed and a label, so independent streams never share a sequence. */
export const derive = (seed: number, label: string): Prng => make(hashString(`${seed}:${label}`))
