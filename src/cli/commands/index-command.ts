import { openMirror } from '../../mirror/index.js'
import { help, parse, stderrLog, UsageError, type CliIo } from '../cli-io.js'
import { readViewRequest } from '../plan-file.js'
import { INDEX_HELP } from '../usage.js'

/** Temp files older than this were left by a killed writer (no write takes an hour). */
const STALE_TEMP_MS = 60 * 60 * 1000

export async function indexCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    mirror: { type: 'string' },
    plan: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) return help(io, INDEX_HELP)
  if (!values.mirror) throw new UsageError('index needs --mirror')
  const view = values.plan === undefined ? undefined : await readViewRequest(values.plan, io.cwd)
  const mirror = openMirror(values.mirror, { cwd: io.cwd, onWarning: stderrLog(io, false).warn })
  const index = await mirror.writeIndex(view ? { view } : {})
  const out = [`indexed ${Object.keys(index.entries).length} entries (${index.checksum})`]
  if (index.view) {
    const items = Object.values(index.view.specs)
    const current = items.filter((v) => v.status === 'current').length
    out.push(
      `view of ${index.view.head}: ${items.length} specs, ${current} current, ${items.length - current} missing`,
    )
  }
  const removed = (await mirror.removeStaleTempFiles?.(new Date(Date.now() - STALE_TEMP_MS))) ?? []
  if (removed.length > 0) out.push(`removed ${removed.length} stale temp file(s)`)
  io.stdout(`${out.join('\n')}\n`)
  return 0
}
