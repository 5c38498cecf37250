/** Reads and validates `.binary-check.yml` (from a file, or from a commit's tree). */
import { readFile } from 'node:fs/promises'
import { parseDocument } from 'yaml'
import { UserError } from '../core/errors.js'
import { validateConfig, type Config } from './config-schema.js'

export const DEFAULT_CONFIG_PATH = '.binary-check.yml'

export function parseConfigText(text: string, file: string): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!
    const line = err.linePos?.[0]?.line
    throw new UserError(
      'config',
      line ? `${file}:${line}` : file,
      `invalid YAML: ${err.message.split('\n')[0]}`,
    )
  }
  let value: unknown
  try {
    value = doc.toJS()
  } catch (e) {
    // an alias to no anchor, or an alias bomb (yaml's maxAliasCount): a ReferenceError
    throw new UserError('config', file, `invalid YAML: ${(e as Error).message}`)
  }
  if (isCyclic(value))
    throw new UserError('config', file, 'invalid YAML: an alias refers to a node that contains it')
  const result = validateConfig(value)
  if ('problems' in result) {
    const p = result.problems[0]!
    const more =
      result.problems.length > 1
        ? ` (and ${result.problems.length - 1} more problem${result.problems.length > 2 ? 's' : ''})`
        : ''
    throw new UserError('config', `${file}: ${p.path}`, `${p.message}${more}`)
  }
  return result.config
}

/** Whether a value contains itself (a YAML alias inside its own anchor); iterative, any depth. */
function isCyclic(root: unknown): boolean {
  const onPath = new Set<object>()
  const done = new Set<object>()
  const stack: Array<{ node: object; leave: boolean }> = []
  if (root !== null && typeof root === 'object') stack.push({ node: root, leave: false })
  while (stack.length > 0) {
    const { node, leave } = stack.pop()!
    if (leave) {
      onPath.delete(node)
      done.add(node)
      continue
    }
    if (done.has(node)) continue
    onPath.add(node)
    stack.push({ node, leave: true })
    for (const child of Object.values(node)) {
      if (child === null || typeof child !== 'object') continue
      if (onPath.has(child)) return true
      stack.push({ node: child, leave: false })
    }
  }
  return false
}

export async function readConfigFile(path: string, label = path): Promise<Config> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UserError(
      'config',
      label,
      code === 'ENOENT' ? 'config file not found' : `cannot read config file (${code})`,
    )
  }
  return parseConfigText(text, label)
}
