/**
 * The nodes of a `spack.lock` as Spack hashes them: each node's concrete spec (so `@when`
 * conditions on platform, OS, target, compiler or dependencies are answered as for the concrete
 * spec), the patches it was concretized with, and the `package_hash` the lock stored (its full
 * `content_hash`), beside the Spack version that wrote it.
 */
import type { ConcreteSpec } from '../../../core/model.js'
import type { SpecView } from '../../../core/spec/constraint.js'
import { specView } from '../../../core/spec-view.js'
import { parseSpackLockfile } from '../lockfile.js'
import type { HashSpec } from './spec-conditions.js'

export interface LockNode {
  /** The node's DAG hash (its key in `concrete_specs`). */
  hash: string
  spec: HashSpec & SpecView
  /** sha256 of each patch the node was concretized with, in lock order. */
  patches: string[]
  /** What the lock stored as the node's `package_hash` (null when absent). */
  packageHash: string | null
  external: boolean
}

export interface LockNodes {
  nodes: LockNode[]
  /** `spack.version` / `spack.commit` of the Spack that wrote the lock, where recorded. */
  spackVersion?: string
  spackCommit?: string
}

const FLAGS = new Set(['cflags', 'cxxflags', 'fflags', 'cppflags', 'ldflags', 'ldlibs'])

export function lockNodesFromText(text: string, file: string): LockNodes {
  const lock = parseSpackLockfile(text, file)
  const raw = JSON.parse(text) as {
    spack?: { version?: unknown; commit?: unknown }
    concrete_specs: Record<string, { package_hash?: unknown }>
  }
  const table = new Map<string, ConcreteSpec>(lock.specs.map((s) => [s.id, s]))
  const nodes = lock.specs.map((s): LockNode => {
    const hash = s.origin.slice('lockfile:'.length)
    const view = specView(s, table)
    // Spack's variants include `build_system` and the like, which the lockfile reader keeps as
    // parameters; compiler flags are not variants.
    const variants: Record<string, string> = {}
    for (const [k, v] of Object.entries(s.parameters)) if (!FLAGS.has(k)) variants[k] = v
    Object.assign(variants, s.variants)
    const stored = raw.concrete_specs[hash]?.package_hash
    return {
      hash,
      spec: { ...view, name: s.package, version: s.version, variants },
      patches: s.lockedPatches ?? [],
      packageHash: typeof stored === 'string' ? stored : null,
      external: s.external !== undefined,
    }
  })
  return {
    nodes,
    ...(typeof raw.spack?.version === 'string' ? { spackVersion: raw.spack.version } : {}),
    ...(typeof raw.spack?.commit === 'string' ? { spackCommit: raw.spack.commit } : {}),
  }
}
