import { openMirror, type MirrorEntry } from '../../mirror/index.js'
import { formatOf, help, parse, stderrLog, UsageError, type CliIo } from '../cli-io.js'
import { HISTORY_HELP } from '../usage.js'

export async function historyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      mirror: { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  )
  if (values.help) return help(io, HISTORY_HELP)
  if (positionals.length !== 1)
    throw new UsageError(`history needs exactly one SPEC, got ${positionals.length}`)
  if (!values.mirror) throw new UsageError('history needs --mirror')
  const format = formatOf(values.format, ['json', 'text'], 'text')
  const spec = positionals[0]!
  const mirror = openMirror(values.mirror, {
    cwd: io.cwd,
    onWarning: stderrLog(io, false).warn,
  })
  const entries = await mirror.readHistory(spec)
  const current = (await mirror.tryReadEntry(spec))?.digest ?? null
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ spec, current, entries }, null, 2)}\n`)
    return 0
  }
  if (entries.length === 0) {
    io.stdout(`${spec}: no entries in ${mirror.url}\n`)
    return 0
  }
  const lines = [
    `${spec}: ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, newest first`,
  ]
  for (const e of entries) lines.push(historyLine(e, e.digest === current))
  io.stdout(`${lines.join('\n')}\n`)
  return 0
}

/** `* sha256:…  built 2024-…Z  commit abc  artifacts/sha256/…` (`*` marks the current entry). */
function historyLine(e: MirrorEntry, isCurrent: boolean): string {
  return [
    `${isCurrent ? '*' : ' '} ${e.digest}`,
    `built ${e.builtAt}`,
    `commit ${e.commit ?? '-'}`,
    e.artifact.path,
  ].join('  ')
}
