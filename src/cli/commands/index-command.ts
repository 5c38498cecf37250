import { openMirror } from '../../mirror/index.js'
import { help, parse, UsageError, type CliIo } from '../cli-io.js'
import { INDEX_HELP } from '../usage.js'

export async function indexCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    mirror: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) return help(io, INDEX_HELP)
  if (!values.mirror) throw new UsageError('index needs --mirror')
  const index = await openMirror(values.mirror).writeIndex()
  io.stdout(`indexed ${Object.keys(index.entries).length} entries (${index.checksum})\n`)
  return 0
}
