import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { UserError } from '../../core/errors.js'
import { computeSpackHashes } from '../../engine/spack-hashes.js'
import { formatOf, help, parse, UsageError, type CliIo } from '../cli-io.js'
import { SPACK_HASH_HELP } from '../usage.js'

const OPTIONS = {
  repo: { type: 'string' },
  head: { type: 'string' },
  config: { type: 'string' },
  spec: { type: 'string', multiple: true },
  'specs-file': { type: 'string' },
  lockfile: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

export async function spackHashCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, OPTIONS)
  if (values.help) return help(io, SPACK_HASH_HELP)
  const format = formatOf(values.format, ['json', 'text'], 'json')
  const specs = [...(values.spec ?? [])]
  if (values['specs-file'] !== undefined)
    specs.push(...(await readSpecsFile(values['specs-file'], io)))
  if (values.lockfile !== undefined && specs.length > 0)
    throw new UsageError('--lockfile hashes the lock nodes: give it without --spec/--specs-file')
  const { entries, warnings } = await computeSpackHashes({
    repo: resolve(io.cwd, values.repo ?? '.'),
    ...(values.head !== undefined ? { head: values.head } : {}),
    ...(values.config !== undefined ? { config: resolve(io.cwd, values.config) } : {}),
    ...(specs.length > 0 ? { specs } : {}),
    ...(values.lockfile !== undefined ? { lockfile: values.lockfile } : {}),
  })
  for (const w of warnings) io.stderr(`binary-check: warning: ${w}\n`)
  if (format === 'json') io.stdout(`${JSON.stringify(entries, null, 2)}\n`)
  else
    io.stdout(
      entries
        .map((e) => {
          const stale =
            e.stored_package_hash !== undefined
              ? e.stored_package_hash === e.content_hash
                ? '  (= lock)'
                : `  (lock: ${e.stored_package_hash ?? 'none'})`
              : ''
          return `${e.spec}  package_hash=${e.package_hash ?? 'none'}${e.content_hash ? `  content_hash=${e.content_hash}` : ''}${stale}\n`
        })
        .join(''),
    )
  return 0
}

async function readSpecsFile(path: string, io: CliIo): Promise<string[]> {
  let text: string
  try {
    text = await readFile(resolve(io.cwd, path), 'utf8')
  } catch (e) {
    throw new UserError(
      'input',
      path,
      `cannot read the specs file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    )
  }
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0)
}
