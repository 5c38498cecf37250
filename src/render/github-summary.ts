/**
 * The job summary (Markdown): a verdict line, the counts (overall and by reason kind), a table of
 * the waves (jobs, specs, a few spec ids), then the rebuilds with their reasons. GitHub accepts at
 * most 1 MiB per step (and silently drops a summary close to it): the rebuild table is cut to fit,
 * with a note saying how many rows were left out and where the full plan is.
 */
import type { ShapedMatrix } from '../core/matrix-shaping.js'
import type { Plan } from '../core/plan.js'
import { buildRebuildGraph } from '../core/rebuild-graph.js'
import { renderMermaid } from './graph-mermaid.js'
import { specsOf } from './github-outputs.js'
import { describeReasons } from './reason-text.js'
import { verdict } from './plan-text.js'

/** Well under GitHub's 1 MiB per step: a summary just below the limit is dropped without a word. */
export const GITHUB_SUMMARY_BUDGET = 1_000_000

/** Escape text for a Markdown table cell (no HTML, no pipes, no line breaks, no code spans). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#+!|<>~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\r?\n/g, ' ')
}

export interface GithubSummaryOptions {
  /** The wave matrices as emitted (jobs per wave); without them each spec counts as one job. */
  waves?: readonly ShapedMatrix[]
  /** Levels in the plan (more than `waves.length`: the last wave folds the deeper ones). */
  levels?: number
  /** Where the full plan is: the plan file's path and, when uploaded, the artifact's name. */
  planFile?: string
  planArtifact?: string
  /** Size limit in UTF-8 bytes (default GITHUB_SUMMARY_BUDGET). */
  maxBytes?: number
  /** Draw the rebuild graph (default true). */
  graph?: boolean
}

const SAMPLES = 3

export function renderGithubSummary(plan: Plan, options: GithubSummaryOptions = {}): string {
  const s = plan.summary
  const head: string[] = []
  head.push(`### binary-check: ${escapeMarkdown(verdict(plan))}`, '')
  head.push(
    `${s.specs} specs · ${s.rebuild} rebuild · ${s.new} new · ${s.upToDate} up to date · ${s.removed} removed · ${s.waves} wave(s)`,
    '',
  )
  const kinds = Object.entries(s.byReason).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  if (kinds.length > 0)
    head.push(`Why: ${kinds.map(([k, n]) => `${escapeMarkdown(k)} ${n}`).join(' · ')}`, '')
  // The rebuild graph under the verdict (GitHub renders mermaid blocks in job summaries).
  if (options.graph !== false && s.rebuild + s.new > 0)
    head.push('```mermaid', renderMermaid(buildRebuildGraph(plan)).trimEnd(), '```', '')

  const work = plan.specs
    .filter((x) => x.status === 'rebuild' || x.status === 'new')
    .sort((a, b) => (a.wave ?? 0) - (b.wave ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  if (work.length > 0) head.push(...waveTable(plan, options), '')

  const tail: string[] = []
  const claimed = plan.specs.filter((x) => x.status === 'in-progress')
  if (claimed.length > 0) {
    const shown = claimed.slice(0, 20).map((x) => escapeMarkdown(x.id))
    const more = claimed.length > shown.length ? ` and ${claimed.length - shown.length} more` : ''
    tail.push('', `In progress elsewhere (claimed, not in this matrix): ${shown.join(', ')}${more}`)
  }
  if (plan.notes.length > 0) tail.push('', ...plan.notes.map((n) => `> ${escapeMarkdown(n)}`))

  const rows = work.map(
    (x) =>
      `| ${x.wave ?? ''} | ${escapeMarkdown(x.id)} | ${escapeMarkdown(x.container ?? '')} | ${escapeMarkdown(describeReasons(x.reasons))} |`,
  )
  const tableHead = ['| wave | spec | container | why |', '| ---: | --- | --- | --- |']
  const budget = options.maxBytes ?? GITHUB_SUMMARY_BUDGET
  const where = escapeMarkdown(
    [
      options.planFile ? `the plan file ${options.planFile}` : 'the plan file (output plan-file)',
      ...(options.planArtifact ? [`the workflow artifact ${options.planArtifact}`] : []),
    ].join(' and '),
  )
  const note = (left: number): string =>
    `…and ${left} more row${left === 1 ? '' : 's'} left out: the job summary is limited to 1 MiB. The full plan is in ${where}.`

  let size = bytes(head) + bytes(tail) + (rows.length > 0 ? bytes(tableHead) : 0)
  let shown = 0
  // Reserve room for the note (its longest form) so that adding it never breaks the budget.
  const reserve = Buffer.byteLength(`\n\n${note(rows.length)}\n`)
  for (const row of rows) {
    const add = Buffer.byteLength(row) + 1
    const rest = rows.length - shown - 1 > 0 ? reserve : 0
    if (size + add + rest > budget) break
    size += add
    shown++
  }
  const out = [...head]
  if (rows.length > 0) {
    out.push(...tableHead, ...rows.slice(0, shown))
    if (shown < rows.length) out.push('', note(rows.length - shown))
  }
  out.push(...tail)
  return `${out.join('\n')}\n`
}

function waveTable(plan: Plan, options: GithubSummaryOptions): string[] {
  const out = ['| wave | jobs | specs | sample |', '| ---: | ---: | ---: | --- |']
  const levels = options.levels ?? plan.summary.waves
  if (options.waves) {
    const last = options.waves.length - 1
    options.waves.forEach((m, i) => {
      if (m.include.length === 0) return
      const ids = m.include.flatMap(specsOf)
      const label = i === last && levels > last + 1 ? `${i} (levels ${i}–${levels - 1})` : `${i}`
      out.push(`| ${label} | ${m.include.length} | ${ids.length} | ${sample(ids)} |`)
    })
    return out
  }
  const byWave = new Map<number, string[]>()
  for (const m of plan.matrix.include) {
    const specs = byWave.get(m.wave)
    if (specs) specs.push(m.spec)
    else byWave.set(m.wave, [m.spec])
  }
  for (const [w, ids] of [...byWave].sort((a, b) => a[0] - b[0]))
    out.push(`| ${w} | ${ids.length} | ${ids.length} | ${sample(ids)} |`)
  return out
}

function sample(ids: readonly string[]): string {
  const shown = ids.slice(0, SAMPLES).map(escapeMarkdown).join(', ')
  return ids.length > SAMPLES ? `${shown}, …` : shown
}

function bytes(lines: readonly string[]): number {
  return lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0)
}
