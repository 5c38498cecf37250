/**
 * Matrix shaping: the plan's build entries cut into waves (one per topological level, deeper
 * levels folded into the last) and, where a matrix would hold more jobs than a CI allows, packed
 * into batches (each job building a list of specs in dependency order, never mixing containers).
 * Pure: entries in, entries out; the CI-specific limits are the renderers' business.
 */
import { compareCodeUnits } from './canonical-encode.js'
import type { MatrixEntry } from './plan.js'

/** A matrix entry of a wave. In a wave that folds deeper levels, `order` is the entry's own level. */
export interface WaveEntry extends MatrixEntry {
  order?: number
}

/** How much of each spec a batch lists: everything, spec id and digest, or the spec id alone. */
export type BatchDetail = 'full' | 'compact' | 'ids'

/** One spec inside a batch. `order` is its topological level (build lower orders first). */
export interface BatchedSpec {
  spec: string
  package?: string
  version?: string
  compiler?: string
  os?: string
  digest?: string
  order?: number
  /** Lock nodes: the Spack DAG hash in the lock, and the one the rebuilt binary gets. */
  spackHash?: string
  newSpackHash?: string
}

/** One job building several specs, in the order listed. */
export interface BatchEntry {
  /** The batch's name, e.g. `batch 3 of 12, wave 1` (a job name in the CI's UI). */
  spec: string
  /** 1-based number of this batch among the matrix's batches. */
  batch: number
  /** The container every spec of the batch builds in (`''`: none). */
  container: string
  /** The wave the batch belongs to (in the overall matrix: the lowest level it holds). */
  wave: number
  specs: BatchedSpec[]
}

export type ShapedEntry = WaveEntry | BatchEntry

export interface ShapedMatrix {
  include: ShapedEntry[]
}

export interface FoldedWaves {
  /** Exactly `maxWaves` lists; `waves[i]` holds level i (the last also the deeper levels). */
  waves: WaveEntry[][]
  /** How many levels the plan has (one past the deepest wave; 0 when nothing builds). */
  levels: number
  /** True when levels beyond `maxWaves - 1` were folded into the last wave. */
  folded: boolean
}

export function isBatch(entry: ShapedEntry): entry is BatchEntry {
  return 'specs' in entry
}

/**
 * Cut the matrix entries into `maxWaves` waves. Levels `>= maxWaves - 1` fold into the last wave,
 * sorted by level (dependency order) then spec id; when anything folded, every entry of the last
 * wave carries `wave` = the last index and `order` = its own level.
 */
export function foldWaves(include: readonly MatrixEntry[], maxWaves: number): FoldedWaves {
  if (!Number.isInteger(maxWaves) || maxWaves < 1)
    throw new RangeError(`foldWaves: maxWaves must be a positive integer, got ${maxWaves}`)
  const levels = include.reduce((n, e) => Math.max(n, e.wave + 1), 0)
  const folded = levels > maxWaves
  const last = maxWaves - 1
  const waves: WaveEntry[][] = Array.from({ length: maxWaves }, () => [])
  for (const e of [...include].sort(byLevelThenSpec)) {
    if (folded && e.wave >= last) waves[last]!.push({ ...e, wave: last, order: e.wave })
    else waves[e.wave]!.push({ ...e })
  }
  return { waves, levels, folded }
}

/** The number of distinct containers among the entries (a lower bound on the batch count). */
export function countContainers(entries: readonly MatrixEntry[]): number {
  return new Set(entries.map((e) => e.container)).size
}

export interface BatchOptions {
  /** The most jobs wanted; the result has at least one batch per container even when that is more. */
  jobs: number
  detail: BatchDetail
  /** The batch's name from its 1-based number and the batch count. */
  name: (batch: number, of: number) => string
}

/**
 * Pack entries into at most `jobs` batches (but never fewer than one per container). Entries are
 * grouped by container (groups in code-unit order), each group in dependency order (level, then
 * spec id) and cut into contiguous, near-equal slices; the batch count is shared among the groups
 * in proportion to their size (largest remainder), each group getting at least one.
 */
export function packBatches(entries: readonly WaveEntry[], options: BatchOptions): BatchEntry[] {
  if (entries.length === 0) return []
  const groups = new Map<string, WaveEntry[]>()
  for (const e of [...entries].sort(byLevelThenSpec)) {
    const list = groups.get(e.container) ?? []
    list.push(e)
    groups.set(e.container, list)
  }
  const ordered = [...groups.entries()].sort((a, b) => compareCodeUnits(a[0], b[0]))
  const counts = shareBatches(
    ordered.map(([, list]) => list.length),
    Math.max(options.jobs, ordered.length),
  )
  const total = counts.reduce((a, b) => a + b, 0)
  const out: BatchEntry[] = []
  ordered.forEach(([container, list], g) => {
    for (const slice of splitEvenly(list, counts[g]!)) {
      const number = out.length + 1
      out.push({
        spec: options.name(number, total),
        batch: number,
        container,
        wave: Math.min(...slice.map((e) => e.wave)),
        specs: slice.map((e) => batchedSpec(e, options.detail)),
      })
    }
  })
  return out
}

function batchedSpec(e: WaveEntry, detail: BatchDetail): BatchedSpec {
  if (detail === 'ids') return { spec: e.spec }
  if (detail === 'compact') return { spec: e.spec, digest: e.digest }
  return {
    spec: e.spec,
    package: e.package,
    version: e.version,
    compiler: e.compiler,
    os: e.os,
    digest: e.digest,
    order: e.order ?? e.wave,
    ...(e.spackHash !== undefined ? { spackHash: e.spackHash } : {}),
    ...(e.newSpackHash !== undefined ? { newSpackHash: e.newSpackHash } : {}),
  }
}

/** `total` batches shared among groups of the given sizes: each at least 1, at most its size. */
export function shareBatches(sizes: readonly number[], total: number): number[] {
  const n = sizes.reduce((a, b) => a + b, 0)
  const want = Math.min(Math.max(total, sizes.length), n)
  const counts = sizes.map((s) => Math.max(1, Math.floor((want * s) / n)))
  let left = want - counts.reduce((a, b) => a + b, 0)
  // The minimum of one per group can overshoot: take back from the groups with the most batches.
  while (left < 0) {
    let most = -1
    counts.forEach((c, i) => {
      if (c > 1 && (most < 0 || c > counts[most]!)) most = i
    })
    counts[most]!--
    left++
  }
  // Largest remainder first (ties: the earlier group), never beyond a group's size.
  const order = sizes
    .map((s, i) => ({ i, rest: (want * s) / n - Math.floor((want * s) / n) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i)
  while (left > 0) {
    let gave = false
    for (const { i } of order) {
      if (left === 0) break
      if (counts[i]! < sizes[i]!) {
        counts[i]!++
        left--
        gave = true
      }
    }
    if (!gave) break
  }
  return counts
}

/** Cut a list into `parts` contiguous slices whose lengths differ by at most one (longer first). */
export function splitEvenly<T>(list: readonly T[], parts: number): T[][] {
  const k = Math.max(1, Math.min(parts, list.length))
  const base = Math.floor(list.length / k)
  const extra = list.length % k
  const out: T[][] = []
  let at = 0
  for (let i = 0; i < k; i++) {
    const len = base + (i < extra ? 1 : 0)
    out.push(list.slice(at, at + len))
    at += len
  }
  return out
}

function byLevelThenSpec(a: WaveEntry, b: WaveEntry): number {
  return (a.order ?? a.wave) - (b.order ?? b.wave) || compareCodeUnits(a.spec, b.spec)
}
