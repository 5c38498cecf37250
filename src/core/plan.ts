/**
 * computePlan: from the digests at head, a reference (the base commit's digests and/or the
 * mirror's index) and the changed files, decide for every spec whether it rebuilds, and why.
 * Pure: takes values, returns the Plan value that the renderers serialise.
 */
import { compareCodeUnits, type Digest } from './canonical-encode.js'
import { computeWaves, withDependents } from './graph.js'
import {
  moduleCodePath,
  type ConcreteSpec,
  type PackageDigestInputs,
  type PackageSummary,
  type SpecDigestInputs,
  type UnreadableInput,
  type UnresolvedItem,
} from './model.js'
import type { SpecDigest } from './digest/spec-digest.js'
import {
  diffEnvSignatures,
  envSignatureDigest,
  type EnvSignatureInputs,
} from './digest/env-signature.js'

export const PLAN_SCHEMA = 'binary-check/plan@1' as const

export interface ChangedFile {
  /** A added, M modified, D deleted, R renamed, T type change, C copied. */
  status: string
  path: string
  oldPath?: string
}

export type Reason =
  | { kind: 'recipe'; package: string; files: string[]; detail?: string }
  | { kind: 'input-file'; package: string; file: string }
  | { kind: 'source'; version: string; field: string; old?: string; new?: string }
  | { kind: 'patch'; file: string; change: 'added' | 'removed' | 'changed' }
  | { kind: 'resource'; name: string; change: 'added' | 'removed' | 'changed' }
  | { kind: 'parameters'; name: string; old?: string; new?: string }
  | {
      kind: 'dependency'
      dependency: string
      /**
       * `changed`: the dependency's digest (see `chain`, `cause`); `types` / `virtuals`: the edge's
       * deptypes or the virtuals it satisfies (see `old`, `new`); `added` / `removed`: the edge.
       */
      change: 'changed' | 'added' | 'removed' | 'types' | 'virtuals'
      chain: string[]
      cause: Reason[]
      /** `types` / `virtuals` only: the edge's deptypes or virtuals before and now (sorted). */
      old?: string[]
      new?: string[]
    }
  | {
      kind: 'environment'
      detail: string
      /** What differs, when both signatures' inputs are known: `CUDA_VERSION 12.4 → 12.6`, … */
      changes?: string[]
    }
  | { kind: 'missing'; detail: string }
  /**
   * Lock check: the recipe at head no longer gives the `package_hash` the lock stored (or, with
   * `against: 'spack-cache'`, the one the Spack build cache's binary was built with).
   */
  | { kind: 'lock'; detail: string; against?: 'spack-cache' }
  | { kind: 'algorithm'; old: string; new: string }
  /** `concretizer.reuse` could not keep the version the spec had (`old`): it moved to `new`. */
  | {
      kind: 'reuse'
      package: string
      old: string
      new: string
      why: 'deprecated' | 'removed'
      /** Where the kept version came from: the base commit's choice, or the mirror. */
      source: 'base' | 'mirror'
    }

/** `in-progress`: would build, but a live claim on its digest says another job is building it. */
export type SpecStatus = 'rebuild' | 'up-to-date' | 'new' | 'removed' | 'external' | 'in-progress'
export type PackageStatus = 'changed' | 'unchanged' | 'new' | 'removed'

export interface PlannedPackage {
  name: string
  digest: Digest | null
  previousDigest: Digest | null
  status: PackageStatus
  reasons: Reason[]
}

export interface PlannedSpec {
  id: string
  package: string
  version: string
  compiler: string | null
  os: string | null
  digest: Digest | null
  previousDigest: Digest | null
  status: SpecStatus
  reasons: Reason[]
  wave: number | null
  container: string | null
  /** Dependency spec ids (all deptypes), for ordering in renderers. */
  dependencies: string[]
  /** A lock node's Spack DAG hash (its key in the lock): what `spack install /<hash>` names. */
  spackHash?: string
  /**
   * The DAG hash the node's binary gets once rebuilt (a stale lock node and its dependents, when
   * known): its name in the Spack build cache afterwards.
   */
  newSpackHash?: string
  /**
   * What went into the digest (specs that build only): `record --plan` stores it in the entry.
   * With `environment` configured it also carries the build-environment signature's inputs
   * (`environment`, not part of the digest), so a later plan can say what changed against it.
   */
  inputs?: SpecDigestInputs & { environment?: EnvSignatureInputs }
  /** What went into its package digest (specs that build only), stored in the entry likewise. */
  packageInputs?: PackageDigestInputs
}

export interface MatrixEntry {
  spec: string
  package: string
  version: string
  compiler: string
  os: string
  container: string
  digest: string
  wave: number
  /** The digest again, for a job-level `concurrency:` group (one build per digest at a time). */
  lock: string
  /** Lock nodes: the Spack DAG hash in the lock (`spack install /<spackHash>`). */
  spackHash?: string
  /** Stale lock nodes: the DAG hash the rebuilt binary gets. */
  newSpackHash?: string
}

export interface Plan {
  schema: typeof PLAN_SCHEMA
  base: string | null
  head: string
  /**
   * `lock`: no base and no mirror, each lock node's stored package_hash checked at head;
   * `spack-cache`: each lock node looked up by DAG hash in a Spack build cache.
   */
  reference: 'base' | 'mirror' | 'lock' | 'spack-cache' | 'none'
  changedFiles: ChangedFile[]
  ignoredFiles: string[]
  packages: PlannedPackage[]
  specs: PlannedSpec[]
  matrix: { include: MatrixEntry[] }
  unresolved: UnresolvedItem[]
  /** Input files that do not parse, unchanged in the range (digested as raw bytes). */
  unreadable: UnreadableInput[]
  notes: string[]
  summary: PlanSummary
  /** Build-environment signature → what it is made of (only with `environment` configured). */
  environments?: Record<Digest, EnvSignatureInputs>
}

export interface PlanSummary {
  specs: number
  rebuild: number
  new: number
  upToDate: number
  removed: number
  external: number
  inProgress: number
  packagesChanged: number
  waves: number
  byReason: Record<string, number>
}

/** One side (base or head) of the comparison, fully digested. */
export interface DigestedTree {
  sha: string
  packages: ReadonlyMap<string, PackageSummary>
  packageDigests: ReadonlyMap<string, Digest>
  specs: ReadonlyMap<string, ConcreteSpec>
  specDigests: ReadonlyMap<string, SpecDigest>
  /** Build-environment signatures this side uses → their inputs (with `environment` only). */
  environments?: ReadonlyMap<Digest, EnvSignatureInputs>
}

export interface ReferenceEntry {
  digest: Digest
  inputs?: SpecDigestInputs
  packageInputs?: PackageDigestInputs
}

export interface PlanInput {
  head: DigestedTree
  base?: DigestedTree
  /** The mirror's entries by spec id; undefined when no mirror is configured. */
  mirror?: ReadonlyMap<string, ReferenceEntry>
  changedFiles: ChangedFile[]
  containers: ReadonlyMap<string, string>
  notes: string[]
  /** Digests with a live claim in the mirror: such specs are `in-progress`, not built again. */
  claims?: ReadonlySet<Digest>
  /**
   * A lock's nodes checked by Spack's own hashes: with `source: 'lock'` (used with neither base
   * nor mirror) against the lock's stored package_hash, with `source: 'spack-cache'` (the
   * reference whenever given) against a Spack build cache.
   */
  lockCheck?: LockReference
}

export interface LockReference {
  source: 'lock' | 'spack-cache'
  /**
   * Lock nodes (spec ids) whose recipe at head no longer gives the reference's package_hash, with
   * what changed. They and every spec depending on them (any edge type: Spack's DAG hash covers
   * them all) rebuild.
   */
  stale: ReadonlyMap<string, string>
  /** Lock nodes whose DAG hash the build cache does not hold, with why: they build (`new`). */
  missing?: ReadonlyMap<string, string>
  /** Spec id → the DAG hash its binary gets once rebuilt (stale nodes and their dependents). */
  newHashes?: ReadonlyMap<string, string>
}

export function computePlan(input: PlanInput): Plan {
  const { head, base, mirror } = input
  const lockCheck =
    input.lockCheck?.source === 'spack-cache' || (!mirror && !base) ? input.lockCheck : undefined
  const cacheReference = lockCheck?.source === 'spack-cache'
  const reference: Plan['reference'] = cacheReference
    ? 'spack-cache'
    : mirror
      ? 'mirror'
      : base
        ? 'base'
        : lockCheck
          ? 'lock'
          : 'none'
  const lockMissing = lockCheck?.missing ?? new Map<string, string>()
  const lockStale = lockCheck ? withDependents(head.specs, lockCheck.stale.keys()) : undefined
  const lockAffected = lockStale ? new Set([...lockStale, ...lockMissing.keys()]) : undefined

  // Packages
  const packages: PlannedPackage[] = []
  const pkgNames = new Set([...head.packages.keys(), ...(base ? base.packages.keys() : [])])
  for (const name of [...pkgNames].sort(compareCodeUnits)) {
    const now = head.packages.get(name)
    const before = base?.packages.get(name)
    const digest = head.packageDigests.get(name) ?? null
    const previousDigest = base?.packageDigests.get(name) ?? null
    let status: PackageStatus
    let reasons: Reason[] = []
    if (!now) status = 'removed'
    else if (!base) status = 'new'
    else if (!before) status = 'new'
    else if (digest === previousDigest) status = 'unchanged'
    else {
      status = 'changed'
      reasons = packageReasons(name, before.digestInputs, now)
    }
    packages.push({ name, digest, previousDigest: base ? previousDigest : null, status, reasons })
  }

  // Specs
  const reasonsCache = new Map<string, Reason[]>()
  const statusOf = new Map<string, SpecStatus>()
  const ids = [...head.specs.keys()].sort(compareCodeUnits)

  const refFor = (id: string): ReferenceEntry | undefined => {
    if (lockAffected)
      return lockAffected.has(id) ? undefined : { digest: head.specDigests.get(id)!.digest }
    if (mirror) return mirror.get(id)
    const d = base?.specDigests.get(id)
    return d ? { digest: d.digest, inputs: d.inputs } : undefined
  }

  const environmentOf = (d: Digest, recorded?: unknown): EnvSignatureInputs | undefined =>
    head.environments?.get(d) ?? base?.environments?.get(d) ?? recordedEnvironment(d, recorded)

  /**
   * Why a dependency cycle's entry changed for `id`: what changed in its other members (their own
   * inputs and their dependencies outside the cycle), each as a dependency reason naming the member.
   */
  const cycleReasons = (
    id: string,
    key: string,
    digest: Digest | undefined,
    stack: Set<string>,
  ): Reason[] => {
    const out: Reason[] = []
    for (const [member, d] of head.specDigests) {
      if (member === id || stack.has(member) || d.inputs.dependencies[key]?.digest !== digest)
        continue
      const own = reasonsFor(member, stack).filter(
        (r) => !(r.kind === 'dependency' && r.dependency.startsWith(CYCLE_PREFIX)),
      )
      if (own.length > 0)
        out.push({
          kind: 'dependency',
          dependency: member,
          change: 'changed',
          chain: [member],
          cause: own,
        })
    }
    return out
  }

  const reasonsFor = (id: string, stack: Set<string>): Reason[] => {
    const cached = reasonsCache.get(id)
    if (cached) return cached
    const now = head.specDigests.get(id)!
    const ref = refFor(id)
    let reasons: Reason[]
    if (lockCheck && !ref && lockMissing.has(id)) {
      reasons = [{ kind: 'missing', detail: lockMissing.get(id)! }]
    } else if (lockCheck && !ref) {
      const own = lockCheck.stale.get(id)
      reasons =
        own === undefined
          ? []
          : [{ kind: 'lock', detail: own, ...(cacheReference ? { against: 'spack-cache' } : {}) }]
      stack.add(id)
      for (const e of head.specs.get(id)!.dependencies) {
        if (!lockStale!.has(e.id) || stack.has(e.id)) continue
        reasons.push({
          kind: 'dependency',
          dependency: e.id,
          change: 'changed',
          chain: [e.id],
          cause: reasonsFor(e.id, stack),
        })
      }
      stack.delete(id)
    } else if (!ref) {
      reasons = [
        {
          kind: 'missing',
          detail: mirror
            ? 'not in the mirror'
            : base
              ? 'not in the base commit'
              : 'no base commit and no mirror',
        },
      ]
    } else if (ref.digest === now.digest) {
      reasons = []
    } else {
      // What differs: the mirror entry's recorded inputs, else the base commit's inputs.
      const before = ref.inputs ?? base?.specDigests.get(id)?.inputs
      if (!before)
        reasons = [
          { kind: 'missing', detail: 'the mirror entry has another digest and records no inputs' },
        ]
      else {
        stack.add(id)
        // The package side: the entry's recorded package inputs, else the base commit's package
        // when it is the one the reference was built from.
        const beforePkg =
          ref.packageInputs ??
          (base?.packageDigests.get(before.package) === before.packageDigest
            ? base?.packages.get(before.package)?.digestInputs
            : undefined)
        reasons = diffSpecInputs(
          before,
          now.inputs,
          head,
          beforePkg,
          (dep) =>
            dep.startsWith(CYCLE_PREFIX)
              ? cycleReasons(id, dep, now.inputs.dependencies[dep]?.digest, stack)
              : stack.has(dep) || !head.specDigests.has(dep)
                ? []
                : reasonsFor(dep, stack),
          environmentOf,
        )
        stack.delete(id)
        if (reasons.length === 0)
          reasons = [{ kind: 'missing', detail: `recorded digest ${ref.digest} differs` }]
      }
    }
    // A spec the reference lacks because reuse could not keep the version it had: say why.
    const spec = head.specs.get(id)
    if (!ref && spec?.moved)
      reasons = [
        {
          kind: 'reuse',
          package: spec.package,
          old: spec.moved.from,
          new: spec.version,
          why: spec.moved.why,
          source: spec.moved.source,
        },
        ...reasons,
      ]
    reasonsCache.set(id, reasons)
    return reasons
  }

  for (const id of ids) {
    const spec = head.specs.get(id)!
    const ref = refFor(id)
    const now = head.specDigests.get(id)!
    let status: SpecStatus
    if (spec.external) status = 'external'
    else if (!ref)
      status = lockMissing.has(id)
        ? 'new'
        : mirror || lockCheck
          ? base && !base.specs.has(id)
            ? 'new'
            : 'rebuild'
          : 'new'
    else status = ref.digest === now.digest ? 'up-to-date' : 'rebuild'
    if ((status === 'rebuild' || status === 'new') && input.claims?.has(now.digest))
      status = 'in-progress'
    statusOf.set(id, status)
  }

  const toBuild = new Set(
    ids.filter((id) => statusOf.get(id) === 'rebuild' || statusOf.get(id) === 'new'),
  )
  const adj = new Map<string, string[]>()
  for (const id of ids)
    adj.set(
      id,
      head.specs
        .get(id)!
        .dependencies.filter((e) => !(e.types.length === 1 && e.types[0] === 'test'))
        .map((e) => e.id),
    )
  const waves = computeWaves(ids, adj, toBuild)

  const specs: PlannedSpec[] = []
  for (const id of ids) {
    const spec = head.specs.get(id)!
    const status = statusOf.get(id)!
    const now = head.specDigests.get(id)!
    specs.push({
      id,
      package: spec.package,
      version: spec.version,
      compiler: compilerText(spec),
      os: spec.os ?? null,
      digest: now.digest,
      previousDigest: refFor(id)?.digest ?? null,
      status,
      reasons: status === 'up-to-date' || status === 'external' ? [] : reasonsFor(id, new Set()),
      wave: waves.get(id) ?? null,
      container: input.containers.get(id) ?? null,
      dependencies: spec.dependencies.map((e) => e.id),
      ...(spec.origin.startsWith('lockfile:')
        ? { spackHash: spec.origin.slice('lockfile:'.length) }
        : {}),
      ...(status === 'rebuild' && lockCheck?.newHashes?.has(id)
        ? { newSpackHash: lockCheck.newHashes.get(id)! }
        : {}),
      ...(status === 'rebuild' || status === 'new' || status === 'in-progress'
        ? { inputs: withEnvironment(now.inputs, head), ...packageInputsOf(head, spec.package) }
        : {}),
    })
  }
  if (base) {
    for (const id of [...base.specs.keys()].sort(compareCodeUnits)) {
      if (head.specs.has(id)) continue
      const spec = base.specs.get(id)!
      specs.push({
        id,
        package: spec.package,
        version: spec.version,
        compiler: compilerText(spec),
        os: spec.os ?? null,
        digest: null,
        previousDigest: base.specDigests.get(id)?.digest ?? null,
        status: 'removed',
        reasons: [],
        wave: null,
        container: null,
        dependencies: [],
      })
    }
  }

  const include: MatrixEntry[] = specs
    .filter((s) => s.status === 'rebuild' || s.status === 'new')
    .sort((a, b) => a.wave! - b.wave! || compareCodeUnits(a.id, b.id))
    .map((s) => ({
      spec: s.id,
      package: s.package,
      version: s.version,
      compiler: s.compiler ?? '',
      os: s.os ?? '',
      container: s.container ?? '',
      digest: s.digest!,
      wave: s.wave!,
      lock: s.digest!,
      ...(s.spackHash !== undefined ? { spackHash: s.spackHash } : {}),
      ...(s.newSpackHash !== undefined ? { newSpackHash: s.newSpackHash } : {}),
    }))

  const unresolved: UnresolvedItem[] = []
  const unreadable = new Map<string, UnreadableInput>()
  for (const p of [...head.packages.values()].sort((a, b) => compareCodeUnits(a.name, b.name))) {
    unresolved.push(...p.unresolved)
    for (const u of p.unreadable ?? []) if (!unreadable.has(u.path)) unreadable.set(u.path, u)
  }
  const ignoredFiles = ignoredChangedFiles(input.changedFiles, [
    head.packages,
    ...(base ? [base.packages] : []),
  ])

  const byReason: Record<string, number> = {}
  for (const s of specs)
    for (const k of new Set(s.reasons.map((r) => r.kind))) byReason[k] = (byReason[k] ?? 0) + 1
  const count = (st: SpecStatus): number => specs.filter((s) => s.status === st).length
  const summary: PlanSummary = {
    specs: head.specs.size,
    rebuild: count('rebuild'),
    new: count('new'),
    upToDate: count('up-to-date'),
    removed: count('removed'),
    external: count('external'),
    inProgress: count('in-progress'),
    packagesChanged: packages.filter((p) => p.status !== 'unchanged').length,
    waves: include.length === 0 ? 0 : Math.max(...include.map((m) => m.wave)) + 1,
    byReason,
  }
  return {
    schema: PLAN_SCHEMA,
    base: base?.sha ?? null,
    head: head.sha,
    reference,
    changedFiles: input.changedFiles,
    ignoredFiles,
    packages,
    specs,
    matrix: { include },
    unresolved,
    unreadable: [...unreadable.values()].sort((a, b) => compareCodeUnits(a.path, b.path)),
    notes: input.notes,
    summary,
    ...environmentsOf(head, base),
  }
}

function withEnvironment(
  inputs: SpecDigestInputs,
  head: DigestedTree,
): SpecDigestInputs & { environment?: EnvSignatureInputs } {
  const environment = head.environments?.get(inputs.envSignature)
  return environment ? { ...inputs, environment } : inputs
}

/** The environment inputs a mirror entry recorded beside its inputs, when they are for `d`. */
function recordedEnvironment(d: Digest, inputs: unknown): EnvSignatureInputs | undefined {
  if (typeof inputs !== 'object' || inputs === null || !('environment' in inputs)) return undefined
  const e = (inputs as { environment: unknown }).environment
  if (typeof e !== 'object' || e === null || !('algorithm' in e) || !('container' in e))
    return undefined
  const candidate = e as EnvSignatureInputs
  try {
    return envSignatureDigest(candidate) === d ? candidate : undefined
  } catch {
    return undefined
  }
}

/** The signatures the plan's specs use (head's and base's), with their inputs. */
function environmentsOf(
  head: DigestedTree,
  base: DigestedTree | undefined,
): { environments?: Record<Digest, EnvSignatureInputs> } {
  if (!head.environments && !base?.environments) return {}
  const out: Record<Digest, EnvSignatureInputs> = {}
  for (const side of [base, head])
    for (const [d, inputs] of side?.environments ?? []) out[d] = inputs
  return { environments: out }
}

function compilerText(spec: ConcreteSpec): string | null {
  if (!spec.compiler) return null
  return spec.compiler.version
    ? `${spec.compiler.name}@${spec.compiler.version}`
    : spec.compiler.name
}

function packageInputsOf(
  head: DigestedTree,
  name: string,
): { packageInputs?: PackageDigestInputs } {
  const p = head.packages.get(name)
  return p ? { packageInputs: p.digestInputs } : {}
}

function packageReasons(name: string, a: PackageDigestInputs, now: PackageSummary): Reason[] {
  const b = now.digestInputs
  const reasons: Reason[] = []
  if (a.algorithm !== b.algorithm)
    reasons.push({ kind: 'algorithm', old: a.algorithm, new: b.algorithm })
  const files: string[] = []
  // A base module the package now builds on, or no longer does, is the recipe's choice: the
  // recipe is named with it.
  const moved: string[] = []
  for (const k of unionKeys(a.bases, b.bases)) {
    if (a.bases[k] === b.bases[k]) continue
    files.push(k)
    if (a.bases[k] === undefined) moved.push(`${k} (added)`)
    else if (b.bases[k] === undefined) moved.push(`${k} (removed)`)
  }
  if (a.recipe !== b.recipe || moved.length > 0) files.unshift(now.recipePath)
  if (files.length > 0)
    reasons.push({
      kind: 'recipe',
      package: name,
      files,
      ...(moved.length > 0 ? { detail: `base modules: ${moved.join('; ')}` } : {}),
    })
  for (const k of unionKeys(a.files, b.files))
    if (a.files[k] !== b.files[k])
      reasons.push({ kind: 'input-file', package: name, file: joinPath(now.directory, k) })
  return reasons
}

function joinPath(dir: string, rel: string): string {
  return dir === '' || dir === '.' ? rel : `${dir}/${rel}`
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareCodeUnits)
}

/** The dependency key of a cycle's shared entry (see foldSpecDigests). */
const CYCLE_PREFIX = 'cycle of '

function diffSpecInputs(
  a: SpecDigestInputs,
  b: SpecDigestInputs,
  head: DigestedTree,
  beforePackage: PackageDigestInputs | undefined,
  depReasons: (id: string) => Reason[],
  environmentOf: (signature: Digest, recorded?: unknown) => EnvSignatureInputs | undefined = () =>
    undefined,
): Reason[] {
  const reasons: Reason[] = []
  if (a.algorithm !== b.algorithm) {
    reasons.push({ kind: 'algorithm', old: a.algorithm, new: b.algorithm })
    return reasons
  }
  if (a.packageDigest !== b.packageDigest) {
    const now = head.packages.get(b.package)
    const pkgReasons = now && beforePackage ? packageReasons(b.package, beforePackage, now) : []
    if (pkgReasons.length > 0) reasons.push(...pkgReasons)
    else
      reasons.push({
        kind: 'recipe',
        package: b.package,
        files: now ? [now.recipePath] : [],
        detail: 'package digest changed',
      })
  }
  for (const f of unionKeys(a.source, b.source) as (keyof SpecDigestInputs['source'])[]) {
    const x = canonicalField(a.source[f])
    const y = canonicalField(b.source[f])
    if (x !== y)
      reasons.push({
        kind: 'source',
        version: b.source.version,
        field: f,
        ...(x !== undefined ? { old: x } : {}),
        ...(y !== undefined ? { new: y } : {}),
      })
  }
  for (const k of unionKeys(a.patches, b.patches)) {
    if (a.patches[k] === b.patches[k]) continue
    reasons.push({
      kind: 'patch',
      file: k,
      change:
        a.patches[k] === undefined ? 'added' : b.patches[k] === undefined ? 'removed' : 'changed',
    })
  }
  for (const k of unionKeys(a.resources, b.resources)) {
    if (a.resources[k] === b.resources[k]) continue
    reasons.push({
      kind: 'resource',
      name: k,
      change:
        a.resources[k] === undefined
          ? 'added'
          : b.resources[k] === undefined
            ? 'removed'
            : 'changed',
    })
  }
  const codeChanged = unionKeys(a.code, b.code).filter((k) => a.code[k] !== b.code[k])
  if (codeChanged.length > 0) {
    const now = head.packages.get(b.package)
    // A module's changed code names its module; any other conditional code is the recipe's. Code
    // that now applies or no longer does (a build-system module the recipe now derives from or
    // selects) was chosen by the recipe, so the recipe is named with the module.
    const files = new Set<string>()
    const parts: string[] = []
    for (const k of codeChanged) {
      const module = moduleCodePath(k)
      const side = a.code[k] === undefined ? 'added' : b.code[k] === undefined ? 'removed' : ''
      if (module !== undefined) files.add(module)
      if ((module === undefined || side !== '') && now) files.add(now.recipePath)
      parts.push(side ? `${k} (${side})` : k)
    }
    reasons.push({
      kind: 'recipe',
      package: b.package,
      files: [...files].sort(),
      detail: `conditional code: ${parts.join('; ')}`,
    })
  }
  for (const k of unionKeys(a.parameters, b.parameters)) {
    if (a.parameters[k] === b.parameters[k]) continue
    reasons.push({
      kind: 'parameters',
      name: k,
      ...(a.parameters[k] !== undefined ? { old: a.parameters[k] } : {}),
      ...(b.parameters[k] !== undefined ? { new: b.parameters[k] } : {}),
    })
  }
  if (a.envSignature !== b.envSignature) {
    const x = environmentOf(a.envSignature, a)
    const y = environmentOf(b.envSignature, b)
    const changes = x && y ? diffEnvSignatures(x, y) : []
    reasons.push({
      kind: 'environment',
      detail: 'build-environment signature changed',
      ...(changes.length > 0 ? { changes } : {}),
    })
  }
  for (const k of unionKeys(a.dependencies, b.dependencies)) {
    const x = a.dependencies[k]
    const y = b.dependencies[k]
    if (x === undefined)
      // A dependency that moved to another version says why (concretizer.reuse).
      reasons.push({
        kind: 'dependency',
        dependency: k,
        change: 'added',
        chain: [k],
        cause: depReasons(k).filter((r) => r.kind === 'reuse'),
      })
    else if (y === undefined)
      reasons.push({ kind: 'dependency', dependency: k, change: 'removed', chain: [k], cause: [] })
    else {
      for (const [change, old, now] of [
        ['types', x.types, y.types],
        ['virtuals', x.virtuals ?? [], y.virtuals ?? []],
      ] as const)
        if (old.join(',') !== now.join(','))
          reasons.push({
            kind: 'dependency',
            dependency: k,
            change,
            chain: [k],
            cause: [],
            old: [...old],
            new: [...now],
          })
      if (x.digest === y.digest) continue
      const own = depReasons(k)
      // A changed edge of the dependency (its deptypes or virtuals) is its own, direct cause.
      const isEdge = (r: Reason) =>
        r.kind === 'dependency' && (r.change === 'types' || r.change === 'virtuals')
      const direct = own.filter((r) => r.kind !== 'dependency' || isEdge(r))
      const firstDep = own.find(
        (r): r is Extract<Reason, { kind: 'dependency' }> => r.kind === 'dependency' && !isEdge(r),
      )
      if (direct.length > 0 || !firstDep)
        reasons.push({
          kind: 'dependency',
          dependency: k,
          change: 'changed',
          chain: [k],
          cause: direct,
        })
      else
        reasons.push({
          kind: 'dependency',
          dependency: k,
          change: 'changed',
          chain: [k, ...firstDep.chain],
          cause: firstDep.cause,
        })
    }
  }
  // A cycle entry that changed while its other members did not changed through this spec's own
  // inputs, which are reasons of their own: the bare cycle reason would end nowhere.
  const bareCycle = (r: Reason): boolean =>
    r.kind === 'dependency' &&
    r.dependency.startsWith(CYCLE_PREFIX) &&
    r.change === 'changed' &&
    r.cause.length === 0 &&
    r.chain.length === 1
  return reasons.some((r) => !bareCycle(r)) ? reasons.filter((r) => !bareCycle(r)) : reasons
}

function canonicalField(v: unknown): string | undefined {
  if (v === undefined) return undefined
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** Changed files that no package uses as an input (listed so the user sees they were looked at). */
function ignoredChangedFiles(
  changed: readonly ChangedFile[],
  trees: ReadonlyArray<ReadonlyMap<string, PackageSummary>>,
): string[] {
  const used = new Set<string>()
  for (const packages of trees)
    for (const p of packages.values()) for (const f of p.inputPaths) used.add(f)
  const out = new Set<string>()
  for (const c of changed)
    for (const path of [c.path, c.oldPath]) if (path && !used.has(path)) out.add(path)
  return [...out].sort(compareCodeUnits)
}
