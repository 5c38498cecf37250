/**
 * Spec digests (ARCHITECTURE §3): H(tag, package digest, the directives that apply to this spec,
 * its parameters, its build-environment signature, and its dependency edges over the propagating
 * deptypes, each as (all its deptypes, the virtuals it satisfies, the dependency's spec digest)).
 * Cycles are collapsed: the members of a strongly connected component fold in one shared
 * component digest, so the result is well defined. Pure.
 */
import {
  compareCodeUnits,
  DIGEST_ALGORITHM,
  digestOf,
  digestText,
  type Digest,
} from '../canonical-encode.js'
import { stronglyConnectedComponents } from '../graph.js'
import type { ConcreteSpec, DependencyInput, DepType, Package, SpecDigestInputs } from '../model.js'
import { conditionHolds, specView } from '../spec-view.js'

export interface SpecDigestContext {
  packages: ReadonlyMap<string, Package>
  packageDigests: ReadonlyMap<string, Digest>
  specs: ReadonlyMap<string, ConcreteSpec>
  /** The build-environment signature of a spec (its container, env, hook). */
  envSignature(spec: ConcreteSpec): Digest
  deptypes: ReadonlySet<DepType>
}

export interface SpecDigest {
  digest: Digest
  local: LocalSpecDigest
  /** Everything that went into the digest, for explanations (local inputs + dependencies). */
  inputs: SpecDigestInputs
}

/** Digest of a package that the recipe repository does not hold (lockfile-only, externals). */
export function foreignPackageDigest(name: string): Digest {
  return digestOf({ algorithm: DIGEST_ALGORITHM, foreignPackage: name })
}

export function propagatingDeps(spec: ConcreteSpec, deptypes: ReadonlySet<DepType>): string[] {
  const out: string[] = []
  for (const e of spec.dependencies) if (e.types.some((t) => deptypes.has(t))) out.push(e.id)
  return out
}

/** The spec's own parameters: variants, compiler, arch, locked patches, external attributes. */
export function specParameters(spec: ConcreteSpec): Record<string, string> {
  const parameters: Record<string, string> = {}
  for (const [k, v] of Object.entries(spec.variants)) parameters[`variant:${k}`] = v
  for (const [k, v] of Object.entries(spec.parameters)) parameters[k] = v
  if (spec.compiler)
    parameters.compiler = spec.compiler.version
      ? `${spec.compiler.name}@${spec.compiler.version}`
      : spec.compiler.name
  if (spec.os) parameters.os = spec.os
  if (spec.target) parameters.target = spec.target
  if (spec.platform) parameters.platform = spec.platform
  if (spec.lockedPatches?.length) parameters.lockedPatches = spec.lockedPatches.join(',')
  if (spec.external)
    for (const [k, v] of Object.entries(spec.external)) parameters[`external:${k}`] = v
  return parameters
}

/** The spec's own inputs (everything but the dependency digests). */
export function localSpecInputs(
  spec: ConcreteSpec,
  ctx: SpecDigestContext,
): Omit<SpecDigestInputs, 'dependencies'> {
  const pkg = ctx.packages.get(spec.package)
  const view = specView(spec, ctx.specs)
  const parameters = specParameters(spec)

  const source: SpecDigestInputs['source'] = { version: spec.version }
  const patches: Record<string, string> = {}
  const resources: Record<string, Digest> = {}
  const code: Record<string, Digest> = {}
  if (pkg) {
    const v = pkg.versions.find((d) => d.version === spec.version)
    if (v) {
      if (v.checksum !== undefined) source.checksum = v.checksum
      if (v.url !== undefined) source.url = v.url
      if (v.commit !== undefined) source.commit = v.commit
      if (v.tag !== undefined) source.tag = v.tag
      if (v.branch !== undefined) source.branch = v.branch
      if (v.extra && Object.keys(v.extra).length > 0) source.extra = v.extra
    }
    for (const p of pkg.patches) {
      if (!conditionHolds(view, p.when, placeOf(p.place, pkg))) continue
      const key = p.file ?? p.url ?? '?'
      patches[key] = digestOf({
        content: p.contentHash ?? null,
        sha256: p.sha256 ?? null,
        level: p.level ?? null,
        extra: p.extra ?? {},
      })
    }
    pkg.resources.forEach((r, i) => {
      if (!conditionHolds(view, r.when, placeOf(r.place, pkg))) return
      resources[r.fields.name ?? r.fields.destination ?? `resource-${i}`] = digestOf(r.fields)
    })
    for (const c of pkg.conditionalCode) {
      if (conditionHolds(view, c.when, placeOf(c.place, pkg))) code[c.label] = c.digest
    }
  }
  return {
    algorithm: DIGEST_ALGORITHM,
    package: spec.package,
    packageDigest: ctx.packageDigests.get(spec.package) ?? foreignPackageDigest(spec.package),
    source,
    patches,
    resources,
    code,
    parameters,
    envSignature: ctx.envSignature(spec),
  }
}

function placeOf(place: { file: string; line: number } | undefined, pkg: Package): string {
  return place ? `${place.file}:${place.line}` : pkg.recipePath
}

/** A spec's own inputs (everything but its dependencies) and their digest. */
export interface LocalSpecDigest {
  inputs: LocalSpecInputs
  digest: Digest
}

export type LocalSpecInputs = Omit<SpecDigestInputs, 'dependencies'>

export function computeLocalSpecDigest(
  spec: ConcreteSpec,
  ctx: SpecDigestContext,
): LocalSpecDigest {
  const inputs = localSpecInputs(spec, ctx)
  return { inputs, digest: digestOf({ ...inputs }) }
}

export function computeSpecDigests(ctx: SpecDigestContext): Map<string, SpecDigest> {
  const locals = new Map<string, LocalSpecDigest>()
  for (const [id, spec] of ctx.specs) locals.set(id, computeLocalSpecDigest(spec, ctx))
  return foldSpecDigests(ctx.specs, locals, ctx.deptypes)
}

/** An edge as a spec digest folds it, before its dependency's digest is known. */
export type EdgeRecord = Omit<DependencyInput, 'digest'>

/**
 * The spec's edges that propagate a rebuild (one of their deptypes is in `deptypes`), by
 * dependency id, in edge order: each with all its deptypes (the propagating ones and the others)
 * and the virtuals it satisfies, sorted and without repeats (edges to one id are merged).
 */
export function propagatingEdges(
  spec: ConcreteSpec,
  deptypes: ReadonlySet<DepType>,
): Map<string, EdgeRecord> {
  const out = new Map<string, EdgeRecord>()
  for (const e of spec.dependencies) {
    if (!e.types.some((t) => deptypes.has(t))) continue
    const prev = out.get(e.id)
    const types = prev ? [...prev.types, ...e.types] : e.types
    const virtuals = prev?.virtuals ? [...prev.virtuals, ...(e.virtuals ?? [])] : e.virtuals
    out.set(e.id, {
      types: sortedUnique(types),
      ...(virtuals && virtuals.length > 0 ? { virtuals: sortedUnique(virtuals) } : {}),
    })
  }
  return out
}

function sortedUnique<T extends string>(xs: readonly T[]): T[] {
  return [...new Set(xs)].sort(compareCodeUnits)
}

/** The dependency record of an edge whose dependency has spec digest `digest`. */
export function dependencyInput(edge: EdgeRecord, digest: Digest): DependencyInput {
  return { digest, ...edge }
}

/**
 * Spec digest = H(tag, local digest, each propagating edge as (its deptypes, its virtuals, the
 * dependency's spec digest)), folded dependencies first. The members of a cycle share one
 * component digest (over their local digests, the edges between them with their deptypes and
 * virtuals, and the edges out of the cycle), so the result is well defined.
 */
export function foldSpecDigests(
  specs: ReadonlyMap<string, ConcreteSpec>,
  locals: ReadonlyMap<string, LocalSpecDigest>,
  deptypes: ReadonlySet<DepType>,
): Map<string, SpecDigest> {
  const ids = [...specs.keys()].sort()
  const edges = new Map<string, Map<string, EdgeRecord>>()
  const adj = new Map<string, string[]>()
  for (const id of ids) {
    const e = propagatingEdges(specs.get(id)!, deptypes)
    edges.set(id, e)
    adj.set(id, [...e.keys()])
  }
  const comps = stronglyConnectedComponents(ids, adj)
  const out = new Map<string, SpecDigest>()
  for (const comp of comps) {
    const members = new Set(comp)
    const external = new Map<string, Record<string, DependencyInput>>()
    let inCycle = comp.length > 1
    for (const id of comp) {
      const deps: Record<string, DependencyInput> = {}
      for (const [d, e] of edges.get(id)!) {
        if (members.has(d)) inCycle = true
        else deps[d] = dependencyInput(e, out.get(d)!.digest)
      }
      external.set(id, deps)
    }
    let cycle: { key: string; input: DependencyInput } | undefined
    if (inCycle) {
      // each member: [id, local digest, [[dependency, deptypes, virtuals, digest (null inside)]]]
      const digest = digestOf({
        algorithm: DIGEST_ALGORITHM,
        cycle: comp.map((id) => [
          id,
          locals.get(id)!.digest,
          [...edges.get(id)!]
            .sort(([x], [y]) => compareCodeUnits(x, y))
            .map(([d, e]) => [
              d,
              e.types,
              e.virtuals ?? [],
              members.has(d) ? null : out.get(d)!.digest,
            ]),
        ]),
      })
      cycle = { key: `cycle of ${comp.length}`, input: { digest, types: [] } }
    }
    for (const id of comp) {
      const dependencies = external.get(id)!
      if (cycle) dependencies[cycle.key] = cycle.input
      const local = locals.get(id)!
      out.set(id, {
        digest: foldedDigest(local.digest, dependencies),
        local,
        inputs: { ...local.inputs, dependencies },
      })
    }
  }
  return out
}

/**
 * H({algorithm, dependencies, local}) — the same bytes `digestOf` would hash (keys in code-unit
 * order, canonical JSON), built directly: it runs once per spec on every plan.
 */
export function foldedDigest(
  local: Digest,
  dependencies: Readonly<Record<string, DependencyInput>>,
): Digest {
  const keys = Object.keys(dependencies).sort(compareCodeUnits)
  let deps = ''
  for (const k of keys) {
    const d = dependencies[k]!
    // keys of a dependency record in code-unit order: digest, types, virtuals
    const virtuals = d.virtuals !== undefined ? `,"virtuals":${strings(d.virtuals)}` : ''
    deps += `${deps === '' ? '' : ','}${JSON.stringify(k)}:{"digest":${JSON.stringify(d.digest)},"types":${strings(d.types)}${virtuals}}`
  }
  return digestText(
    `{"algorithm":${JSON.stringify(DIGEST_ALGORITHM)},"dependencies":{${deps}},"local":${JSON.stringify(local)}}`,
  )
}

function strings(xs: readonly string[]): string {
  let out = ''
  for (const x of xs) out += `${out === '' ? '' : ','}${JSON.stringify(x)}`
  return `[${out}]`
}
