import type { Reason } from '../core/plan.js'

/** One short human phrase per reason, for tables and logs. */
export function describeReason(r: Reason): string {
  switch (r.kind) {
    case 'recipe':
      return `recipe ${r.files.join(', ') || r.package} changed${r.detail ? ` (${r.detail})` : ''}`
    case 'input-file':
      return `input file ${r.file} changed`
    case 'source':
      return `source of ${r.version}: ${r.field} ${r.old ?? '(none)'} → ${r.new ?? '(none)'}`
    case 'patch':
      return `patch ${r.file} ${r.change}`
    case 'resource':
      return `resource ${r.name} ${r.change}`
    case 'parameters':
      return `parameter ${r.name}: ${r.old ?? '(none)'} → ${r.new ?? '(none)'}`
    case 'dependency': {
      if (r.change !== 'changed') return `dependency ${r.dependency} ${r.change}`
      const via = r.chain.length > 1 ? ` via ${r.chain.slice(1).join(' → ')}` : ''
      const cause = r.cause.length > 0 ? `: ${r.cause.map(describeReason).join('; ')}` : ''
      return `dependency ${r.dependency}${via}${cause}`
    }
    case 'environment':
      return `build environment: ${r.detail}`
    case 'missing':
      return r.detail
    case 'algorithm':
      return `digest algorithm ${r.old} → ${r.new}`
  }
}

export function describeReasons(reasons: readonly Reason[], max = 3): string {
  const parts = reasons.slice(0, max).map(describeReason)
  if (reasons.length > max) parts.push(`and ${reasons.length - max} more`)
  return parts.join('; ')
}
