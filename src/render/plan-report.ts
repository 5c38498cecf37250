/**
 * The plan as a short Markdown report for a pull-request comment or a merge-request note: the
 * verdict, the counts by reason, and the rebuild graph (a ```mermaid block, which GitHub and
 * GitLab render). Kept under a comment's size limit (GitHub: 65,536 characters): past it the
 * graph goes and the report says so.
 */
import type { Plan } from '../core/plan.js'
import { buildRebuildGraph } from '../core/rebuild-graph.js'
import { renderMermaid } from './graph-mermaid.js'
import { escapeMarkdown } from './github-summary.js'
import { verdict } from './plan-text.js'

/** A hidden marker: the comment to update is the one that starts with it. */
export const REPORT_MARKER = '<!-- binary-check report -->'

/** Well under GitHub's 65,536 characters per comment (GitLab notes allow 1,000,000). */
export const REPORT_MAX_CHARS = 60_000

export interface ReportOptions {
  /** A link to the full summary (the workflow run, the pipeline). */
  detailsUrl?: string
  maxChars?: number
}

export function renderPlanReport(plan: Plan, options: ReportOptions = {}): string {
  const s = plan.summary
  const lines = [REPORT_MARKER, `### binary-check: ${escapeMarkdown(verdict(plan))}`, '']
  lines.push(
    `${s.specs} specs · ${s.rebuild} rebuild · ${s.new} new · ${s.upToDate} up to date · ${s.removed} removed · ${s.waves} wave(s)`,
    '',
  )
  const kinds = Object.entries(s.byReason).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  if (kinds.length > 0) {
    lines.push('| why | specs |', '| --- | ---: |')
    for (const [k, n] of kinds) lines.push(`| ${escapeMarkdown(k)} | ${n} |`)
    lines.push('')
  }
  const tail = options.detailsUrl
    ? [`What rebuilds and why, spec by spec: [the full summary](${encodeURI(options.detailsUrl)}).`]
    : []
  const max = options.maxChars ?? REPORT_MAX_CHARS
  if (s.rebuild + s.new > 0) {
    const graph = ['```mermaid', renderMermaid(buildRebuildGraph(plan)).trimEnd(), '```', '']
    const size = [...lines, ...graph, ...tail].join('\n').length
    if (size <= max) lines.push(...graph)
    else lines.push('_(the rebuild graph is left out: it would pass the comment size limit)_', '')
  }
  lines.push(...tail)
  return `${lines.join('\n').trimEnd()}\n`
}
