/**
 * Spec digests (ARCHITECTURE §3): H(tag, package digest, the directives that apply to this spec,
 * its parameters, its build-environment signature, and its dependencies' spec digests over the
 * propagating deptypes). Cycles are collapsed: the members of a strongly connected component fold
 * in one shared component digest, so the result is well defined. Pure.
 */
import { DIGEST_ALGORITHM, digestOf, digestText, type Digest } from '../canonical-encode.js'
import { stronglyConnectedComponents } from '../graph.js'
import type { ConcreteSpec, DepType, Package, SpecDigestInputs } from '../model.js'
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

/**
 * Spec digest = H(tag, local digest, dependency spec digests over the propagating deptypes), folded
 * dependencies first. The members of a cycle share one component digest (over their local digests
 * and the digests of what the cycle depends on), so the result is well defined.
 */
export function foldSpecDigests(
  specs: ReadonlyMap<string, ConcreteSpec>,
  locals: ReadonlyMap<string, LocalSpecDigest>,
  deptypes: ReadonlySet<DepType>,
): Map<string, SpecDigest> {
  const ids = [...specs.keys()].sort()
  const adj = new Map<string, string[]>()
  for (const id of ids) adj.set(id, propagatingDeps(specs.get(id)!, deptypes))
  const comps = stronglyConnectedComponents(ids, adj)
  const out = new Map<string, SpecDigest>()
  for (const comp of comps) {
    const members = comp.length > 1 ? new Set(comp) : undefined
    const external = new Map<string, Record<string, Digest>>()
    for (const id of comp) {
      const deps: Record<string, Digest> = {}
      for (const d of adj.get(id)!) if (!members?.has(d) && d !== id) deps[d] = out.get(d)!.digest
      external.set(id, deps)
    }
    let cycleDigest: Digest | undefined
    if (members || adj.get(comp[0]!)!.includes(comp[0]!)) {
      cycleDigest = digestOf({
        algorithm: DIGEST_ALGORITHM,
        cycle: comp.map((id) => [id, locals.get(id)!.digest, external.get(id)!]),
      })
    }
    for (const id of comp) {
      const dependencies = external.get(id)!
      if (cycleDigest) dependencies[`cycle of ${comp.length}`] = cycleDigest
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
  dependencies: Readonly<Record<string, Digest>>,
): Digest {
  const keys = Object.keys(dependencies).sort()
  let deps = ''
  for (const k of keys)
    deps += `${deps === '' ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(dependencies[k])}`
  return digestText(
    `{"algorithm":${JSON.stringify(DIGEST_ALGORITHM)},"dependencies":{${deps}},"local":${JSON.stringify(local)}}`,
  )
}
