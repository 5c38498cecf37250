/** The human table of `binary-check plan --format text`: what rebuilds, why, and counts. */
import type { Plan } from '../core/plan.js'
import { describeReasons } from './reason-text.js'

export function renderPlanText(plan: Plan): string {
  const lines: string[] = []
  const s = plan.summary
  const ref =
    plan.reference === 'mirror'
      ? 'the mirror'
      : plan.reference === 'base'
        ? `base ${plan.base?.slice(0, 12)}`
        : plan.reference === 'lock'
          ? "the lock's package hashes"
          : plan.reference === 'spack-cache'
            ? 'the Spack build cache'
            : 'nothing (no base, no mirror)'
  lines.push(
    `${verdict(plan)} — head ${plan.head === 'WORKTREE' ? 'working tree' : plan.head.slice(0, 12)} against ${ref}`,
  )
  lines.push(
    `specs: ${s.specs}  rebuild: ${s.rebuild}  new: ${s.new}  up-to-date: ${s.upToDate}  removed: ${s.removed}  external: ${s.external}  waves: ${s.waves}`,
  )
  const work = plan.specs.filter((x) => x.status === 'rebuild' || x.status === 'new')
  if (work.length > 0) {
    lines.push('')
    const rows = work
      .sort((a, b) => (a.wave ?? 0) - (b.wave ?? 0) || (a.id < b.id ? -1 : 1))
      .map((x) => [String(x.wave ?? ''), x.status, x.id, describeReasons(x.reasons)])
    lines.push(...table(['wave', 'status', 'spec', 'why'], rows))
  }
  const claimed = plan.specs.filter((x) => x.status === 'in-progress')
  if (claimed.length > 0)
    lines.push('', `in progress elsewhere (claimed): ${claimed.map((x) => x.id).join(', ')}`)
  const removed = plan.specs.filter((x) => x.status === 'removed')
  if (removed.length > 0) lines.push('', `removed: ${removed.map((x) => x.id).join(', ')}`)
  if (plan.ignoredFiles.length > 0)
    lines.push('', `changed but used by no package: ${plan.ignoredFiles.join(', ')}`)
  if (plan.unresolved.length > 0)
    lines.push('', `unresolved directives kept as code (conservative): ${plan.unresolved.length}`)
  for (const n of plan.notes) lines.push(`note: ${n}`)
  return `${lines.join('\n')}\n`
}

export function verdict(plan: Plan): string {
  const n = plan.summary.rebuild + plan.summary.new
  return n === 0 ? 'Nothing to rebuild' : `${n} spec${n === 1 ? '' : 's'} to build`
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) =>
    Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))),
  )
  const fmt = (r: string[]): string =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)]
}
