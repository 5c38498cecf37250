/**
 * `explain`: a spec's digest tree (package digest and its inputs, the directives that apply, its
 * environment, each dependency's digest) and, against the reference (mirror entry or base
 * commit), exactly which leaf differs: the plan's reasons, and every input whose value changed
 * with its old and new value (recipe and base-class files, input files, source fields, patches,
 * parameters, dependencies …). Pure: values in, text out.
 */
import type { ArtifactRef } from '../mirror/entry.js'
import type { DependencyInput, PackageDigestInputs, SpecDigestInputs } from '../core/model.js'
import type { PlannedSpec } from '../core/plan.js'
import type { EnvSignatureInputs } from '../core/digest/env-signature.js'
import { describeReason } from './reason-text.js'

/** One leaf of the digest tree whose value differs from the reference. */
export interface InputChange {
  /** Which input. `recipe`, `base` and `file` are package-level; the rest spec-level. */
  input:
    | 'algorithm'
    | 'ecosystem'
    | 'recipe'
    | 'base'
    | 'file'
    | 'package-digest'
    | 'source'
    | 'patch'
    | 'resource'
    | 'code'
    | 'parameter'
    | 'environment'
    | 'dependency'
    | 'dependency-types'
    | 'dependency-virtuals'
  /** Repository path (recipe, base, file), source field, patch/resource key, code label,
   *  parameter name or dependency spec id. For `dependency-types` / `dependency-virtuals`, old
   *  and new are the edge's deptypes / virtuals (`build, run`; empty: none). */
  name?: string
  /** The version whose source changed (`source` only). */
  version?: string
  old: string | null
  new: string | null
}

/** The recorded build a mirror reference stands for. */
export interface RecordedBuild {
  builtAt: string
  commit?: string
  builder?: string
  artifact: ArtifactRef
}

export interface Explanation {
  spec: string
  status: PlannedSpec['status']
  digest: string | null
  previousDigest: string | null
  /** What `previousDigest` comes from. */
  reference: 'mirror' | 'base' | 'lock' | 'spack-cache' | 'none'
  /** With a mirror reference: the entry's build (null when the mirror has no entry for it). */
  recorded: RecordedBuild | null
  packageDigest: string | null
  packageInputs: PackageDigestInputs | null
  inputs: SpecDigestInputs | null
  /** The plan's reasons. */
  differences: PlannedSpec['reasons']
  /** Every leaf that differs from the reference's recorded inputs (empty when it records none). */
  changes: InputChange[]
  /** What the build-environment signature is made of (with `environment` configured). */
  environment?: EnvSignatureInputs
}

/** Where the package's files are, to turn package-relative keys into repository paths. */
export interface PackagePaths {
  recipePath: string
  directory: string
}

/**
 * The leaves that differ between the reference's inputs (`before`) and head's (`after`). The
 * package level is compared when both sides have package inputs, else its digest is one leaf.
 */
export function computeInputChanges(
  before: { spec?: SpecDigestInputs; package?: PackageDigestInputs },
  after: { spec: SpecDigestInputs; package?: PackageDigestInputs },
  paths: PackagePaths | undefined,
): InputChange[] {
  const a = before.spec
  const b = after.spec
  if (!a) return []
  if (a.algorithm !== b.algorithm)
    return [{ input: 'algorithm', old: a.algorithm, new: b.algorithm }]
  const out: InputChange[] = []
  const change = (
    input: InputChange['input'],
    name: string | undefined,
    x?: string,
    y?: string,
  ) => {
    if (x !== y)
      out.push({ input, ...(name !== undefined ? { name } : {}), old: x ?? null, new: y ?? null })
  }
  if (a.packageDigest !== b.packageDigest) {
    const pa = before.package
    const pb = after.package
    if (pa && pb && pa.algorithm === pb.algorithm) {
      change('ecosystem', undefined, pa.ecosystem, pb.ecosystem)
      change('recipe', paths?.recipePath ?? 'recipe', pa.recipe, pb.recipe)
      for (const k of unionKeys(pa.bases, pb.bases)) change('base', k, pa.bases[k], pb.bases[k])
      for (const k of unionKeys(pa.files, pb.files))
        change('file', joinPath(paths?.directory, k), pa.files[k], pb.files[k])
    } else change('package-digest', undefined, a.packageDigest, b.packageDigest)
  }
  for (const f of unionKeys(a.source, b.source) as (keyof SpecDigestInputs['source'])[]) {
    const x = sourceText(a.source[f])
    const y = sourceText(b.source[f])
    if (f !== 'version' && x !== y)
      out.push({
        input: 'source',
        name: f,
        version: b.source.version,
        old: x ?? null,
        new: y ?? null,
      })
  }
  for (const k of unionKeys(a.patches, b.patches)) change('patch', k, a.patches[k], b.patches[k])
  for (const k of unionKeys(a.resources, b.resources))
    change('resource', k, a.resources[k], b.resources[k])
  for (const k of unionKeys(a.code, b.code)) change('code', k, a.code[k], b.code[k])
  for (const k of unionKeys(a.parameters, b.parameters))
    change('parameter', k, a.parameters[k], b.parameters[k])
  change('environment', undefined, a.envSignature, b.envSignature)
  for (const k of unionKeys(a.dependencies, b.dependencies)) {
    const x = a.dependencies[k]
    const y = b.dependencies[k]
    if (x && y) {
      change('dependency-types', k, x.types.join(', '), y.types.join(', '))
      change('dependency-virtuals', k, (x.virtuals ?? []).join(', '), (y.virtuals ?? []).join(', '))
    }
    change('dependency', k, x?.digest, y?.digest)
  }
  return out
}

/** One line per change: `recipe repos/…/package.py: sha256:… → sha256:…`. */
export function describeInputChange(c: InputChange): string {
  const values = `${c.old ?? '(none)'} → ${c.new ?? '(none)'}`
  switch (c.input) {
    case 'source':
      return `source of ${c.version}: ${c.name} ${values}`
    case 'package-digest':
      return `package digest: ${values}`
    case 'dependency-types':
    case 'dependency-virtuals':
      return `dependency ${c.name}: ${c.input === 'dependency-types' ? 'type' : 'virtuals'} ${c.old || '(none)'} → ${c.new || '(none)'}`
    case 'algorithm':
    case 'ecosystem':
    case 'environment':
      return `${c.input}: ${values}`
    default:
      return `${c.input} ${c.name}: ${values}`
  }
}

export function renderExplanationText(e: Explanation): string {
  const out: string[] = []
  out.push(`${e.spec}  [${e.status}]`)
  out.push(`  digest          ${e.digest ?? '(none)'}`)
  out.push(`  reference       ${e.previousDigest ?? '(none)'}${referenceNote(e)}`)
  if (e.inputs) {
    out.push(`  package digest  ${e.inputs.packageDigest}`)
    if (e.packageInputs) {
      out.push(`    recipe        ${e.packageInputs.recipe}`)
      for (const [p, d] of Object.entries(e.packageInputs.bases))
        out.push(`    base          ${p} ${d}`)
      for (const [p, d] of Object.entries(e.packageInputs.files))
        out.push(`    file          ${p} ${d}`)
    }
    const src = e.inputs.source
    out.push(
      `  source          ${src.version}${src.checksum ? ` checksum=${src.checksum}` : ''}${src.url ? ` url=${src.url}` : ''}${src.commit ? ` commit=${src.commit}` : ''}`,
    )
    for (const [p, d] of Object.entries(e.inputs.patches)) out.push(`  patch           ${p} ${d}`)
    for (const [p, d] of Object.entries(e.inputs.resources)) out.push(`  resource        ${p} ${d}`)
    for (const [p, d] of Object.entries(e.inputs.code)) out.push(`  code            ${p} ${d}`)
    for (const [k, v] of Object.entries(e.inputs.parameters))
      out.push(`  parameter       ${k}=${v}`)
    out.push(`  environment     ${e.inputs.envSignature}`)
    if (e.environment) out.push(...environmentLines(e.environment))
    for (const [id, d] of Object.entries(e.inputs.dependencies))
      out.push(`  dependency      ${id} ${d.digest}${edgeText(d)}`)
  }
  if (e.differences.length === 0) out.push('  differs         nothing')
  for (const r of e.differences) out.push(`  differs         ${describeReason(r)}`)
  for (const c of e.changes) out.push(`  changed         ${describeInputChange(c)}`)
  return `${out.join('\n')}\n`
}

/** The signature's parts: container, image digest, env values (or hashes), files, command. */
function environmentLines(inputs: EnvSignatureInputs): string[] {
  const out: string[] = []
  if (inputs.container !== null) out.push(`    container     ${inputs.container}`)
  const e = inputs.environment
  if (!e) return out
  if (e.image) out.push(`    image         ${e.image}`)
  for (const [k, v] of Object.entries(e.env))
    out.push(
      `    env           ${k}${v === null ? ' (not set)' : v.value !== undefined ? `=${v.value}` : ` ${v.sha256}`}`,
    )
  for (const [p, oid] of Object.entries(e.files)) out.push(`    file          ${p} ${oid}`)
  if (e.command)
    out.push(
      `    command       ${e.command.argv.join(' ')} → ${e.command.output.value !== undefined ? JSON.stringify(e.command.output.value) : e.command.output.sha256}`,
    )
  return out
}

/** ` (build, link)`, ` (build, link; virtuals blas, lapack)`; nothing for a cycle entry. */
function edgeText(d: DependencyInput): string {
  const parts: string[] = []
  if (d.types.length > 0) parts.push(d.types.join(', '))
  if (d.virtuals && d.virtuals.length > 0) parts.push(`virtuals ${d.virtuals.join(', ')}`)
  return parts.length > 0 ? ` (${parts.join('; ')})` : ''
}

function referenceNote(e: Explanation): string {
  if (e.reference === 'mirror') {
    if (!e.recorded) return ' (no mirror entry)'
    const from = e.recorded.commit ? ` from ${e.recorded.commit}` : ''
    return ` (mirror entry built ${e.recorded.builtAt}${from})`
  }
  if (e.reference === 'base') return ' (base commit)'
  if (e.reference === 'lock') return " (the lock's package hashes)"
  if (e.reference === 'spack-cache') return ' (the Spack build cache)'
  return ''
}

function sourceText(v: unknown): string | undefined {
  if (v === undefined) return undefined
  return typeof v === 'string' ? v : JSON.stringify(v)
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort((x, y) =>
    x < y ? -1 : x > y ? 1 : 0,
  )
}

function joinPath(dir: string | undefined, rel: string): string {
  return dir === undefined || dir === '' || dir === '.' ? rel : `${dir}/${rel}`
}
