/**
 * `explain`: a spec's digest tree (package digest and its inputs, the directives that apply, its
 * environment, each dependency's digest) and, against the reference (mirror entry or base
 * commit), exactly which leaf differs.
 */
import type { PackageDigestInputs, SpecDigestInputs } from '../core/model.js'
import type { PlannedSpec } from '../core/plan.js'
import { describeReason } from './reason-text.js'

export interface Explanation {
  spec: string
  status: PlannedSpec['status']
  digest: string | null
  previousDigest: string | null
  packageDigest: string | null
  packageInputs: PackageDigestInputs | null
  inputs: SpecDigestInputs | null
  differences: PlannedSpec['reasons']
}

export function renderExplanationText(e: Explanation): string {
  const out: string[] = []
  out.push(`${e.spec}  [${e.status}]`)
  out.push(`  digest          ${e.digest ?? '(none)'}`)
  out.push(`  reference       ${e.previousDigest ?? '(none)'}`)
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
    for (const [id, d] of Object.entries(e.inputs.dependencies))
      out.push(`  dependency      ${id} ${d}`)
  }
  if (e.differences.length === 0) out.push('  differs         nothing')
  for (const r of e.differences) out.push(`  differs         ${describeReason(r)}`)
  return `${out.join('\n')}\n`
}
