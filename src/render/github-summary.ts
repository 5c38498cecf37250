/** The job summary (Markdown): one verdict line, then the rebuilds with their reasons. */
import type { Plan } from '../core/plan.js'
import { describeReasons } from './reason-text.js'
import { verdict } from './plan-text.js'

/** Escape text for a Markdown table cell (no HTML, no pipes, no line breaks, no code spans). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#+!|<>~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\r?\n/g, ' ')
}

export function renderGithubSummary(plan: Plan, maxRows = 300): string {
  const s = plan.summary
  const out: string[] = []
  out.push(`### binary-check: ${escapeMarkdown(verdict(plan))}`, '')
  out.push(
    `${s.specs} specs · ${s.rebuild} rebuild · ${s.new} new · ${s.upToDate} up to date · ${s.removed} removed · ${s.waves} wave(s)`,
    '',
  )
  const work = plan.specs.filter((x) => x.status === 'rebuild' || x.status === 'new')
  if (work.length > 0) {
    out.push('| wave | spec | container | why |', '| ---: | --- | --- | --- |')
    for (const x of work.slice(0, maxRows))
      out.push(
        `| ${x.wave ?? ''} | ${escapeMarkdown(x.id)} | ${escapeMarkdown(x.container ?? '')} | ${escapeMarkdown(describeReasons(x.reasons))} |`,
      )
    if (work.length > maxRows)
      out.push('', `…and ${work.length - maxRows} more; the full plan is in the plan file.`)
  }
  if (plan.notes.length > 0) out.push('', ...plan.notes.map((n) => `> ${escapeMarkdown(n)}`))
  return `${out.join('\n')}\n`
}
