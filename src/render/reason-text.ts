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
      if (r.change === 'types' || r.change === 'virtuals')
        return `dependency ${r.dependency}: ${r.change === 'types' ? 'type' : 'virtuals'} ${listText(r.old)} → ${listText(r.new)}`
      if (r.change !== 'changed')
        return `dependency ${r.dependency} ${r.change}${r.cause.length > 0 ? `: ${r.cause.map(describeReason).join('; ')}` : ''}`
      const root = r.chain[r.chain.length - 1] ?? r.dependency
      const via = root !== r.dependency ? ` (via ${root})` : ''
      const cause = r.cause.length > 0 ? `: ${r.cause.map(describeReason).join('; ')}` : ''
      return `dependency ${r.dependency}${via}${cause}`
    }
    case 'environment':
      return r.changes && r.changes.length > 0
        ? `environment: ${r.changes.join('; ')}`
        : `build environment: ${r.detail}`
    case 'missing':
      return r.detail
    case 'lock':
      return r.against === 'spack-cache'
        ? `recipe changed since the build cache's binary was built: ${r.detail}`
        : `recipe changed since the lock was concretized: ${r.detail}`
    case 'algorithm':
      return `digest algorithm ${r.old} → ${r.new}`
    case 'reuse':
      return `${r.package}: reused version ${r.old}${r.source === 'mirror' ? ' (in the mirror)' : ''} was ${r.why} → ${r.new}`
  }
}

/**
 * The reasons of one spec in a line: direct reasons first; dependency reasons that share a root
 * cause are folded into one (`dependencies a, b (via z): recipe z changed`).
 */
export function describeReasons(reasons: readonly Reason[], max = 3): string {
  const parts: string[] = []
  const folded = new Map<string, string[]>()
  for (const r of reasons) {
    if (r.kind !== 'dependency' || r.change !== 'changed') {
      parts.push(describeReason(r))
      continue
    }
    const root = r.chain[r.chain.length - 1] ?? r.dependency
    const key = `${root}\u0000${r.cause.map(describeReason).join('; ')}`
    const deps = folded.get(key)
    if (deps) deps.push(r.dependency)
    else folded.set(key, [r.dependency])
  }
  for (const [key, deps] of folded) {
    const [root, cause] = key.split('\u0000') as [string, string]
    const head = deps.length === 1 ? `dependency ${deps[0]}` : `dependencies ${deps.join(', ')}`
    const via = deps.length === 1 && deps[0] === root ? '' : ` (via ${root})`
    parts.push(`${head}${via}${cause ? `: ${cause}` : ''}`)
  }
  const shown = parts.slice(0, max)
  if (parts.length > max) shown.push(`and ${parts.length - max} more`)
  return shown.join('; ')
}

/** `build, run`, or `(none)` for an empty list. */
function listText(xs: readonly string[] | undefined): string {
  return xs && xs.length > 0 ? xs.join(', ') : '(none)'
}
