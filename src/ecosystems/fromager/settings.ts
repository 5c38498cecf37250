/**
 * A package's Fromager settings file (`overrides/settings/<name>.yaml`), canonicalised: YAML
 * parsed and re-encoded so that comments, key order, quoting and layout do not matter. Split in
 * three: the package-wide part (env, build options, download source, …: every wheel of the
 * package), each variant's part (`variants.<v>`: only that variant's wheels) and each version's
 * changelog (`changelog.<version>`: only that version's wheels, as Fromager bumps its build tag).
 * Pure.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml'
import type { Canonical } from '../../core/canonical-encode.js'
import { UserError } from '../../core/errors.js'

export interface CanonicalSettings {
  /** Everything but `variants` and `changelog`. */
  common: { [key: string]: Canonical }
  variants: Record<string, Canonical>
  /** Variants whose settings say `pre_built: true` (Fromager installs a prebuilt wheel). */
  preBuiltVariants: string[]
  changelog: Record<string, Canonical>
}

export function parseFromagerSettings(text: string, file: string): CanonicalSettings {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false })
  const err = doc.errors[0]
  if (err) {
    const line = lineOf(text, err.pos[0])
    throw new UserError('recipe', `${file}:${line}`, `invalid YAML: ${err.message.split('\n')[0]}`)
  }
  const value = toCanonical(doc.contents, doc, file, '')
  if (value === null) return { common: {}, variants: {}, preBuiltVariants: [], changelog: {} }
  if (!isObject(value))
    throw new UserError('recipe', file, `expected a map of settings, got ${describe(value)}`)
  const { variants = {}, changelog = {}, ...common } = value
  const vmap = variants === null ? {} : variants
  if (!isObject(vmap))
    throw new UserError(
      'recipe',
      `${file}: variants`,
      `expected a map of variant → settings, got ${describe(vmap)}`,
    )
  const cmap = changelog === null ? {} : changelog
  if (!isObject(cmap))
    throw new UserError(
      'recipe',
      `${file}: changelog`,
      `expected a map of version → entries, got ${describe(cmap)}`,
    )
  const preBuiltVariants = Object.entries(vmap)
    .filter(([, v]) => isObject(v) && v.pre_built === true)
    .map(([k]) => k)
    .sort()
  return { common, variants: { ...vmap }, preBuiltVariants, changelog: { ...cmap } }
}

type Obj = { [key: string]: Canonical }

function isObject(v: Canonical | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describe(v: Canonical): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  return typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`
}

function lineOf(text: string, pos: number): number {
  let line = 1
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/**
 * At most this many values in a settings file, aliases expanded (a real one has a few dozen): an
 * alias bomb is an error, not minutes of work and gigabytes.
 */
const MAX_NODES = 100_000

/** The maps and lists being read (an alias to one is a cycle) and the values produced so far. */
interface AliasWalk {
  open: Set<unknown>
  /** Each alias's node (computed at the first alias). */
  targets?: Map<unknown, unknown>
  nodes: number
}

/**
 * What each alias of `doc` refers to: the last node anchored with its name before it (what
 * `Alias.resolve` finds, in one pass instead of one walk of the document per alias).
 */
function aliasTargets(doc: Document): Map<unknown, unknown> {
  const anchors = new Map<string, unknown>()
  const targets = new Map<unknown, unknown>()
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) targets.set(node, anchors.get(node.source))
      else if (node.anchor) anchors.set(node.anchor, node)
    },
  })
  return targets
}

/**
 * A YAML node as a canonical value: maps keyed by the key's text (a `2.0:` changelog key stays
 * "2.0", as PyYAML would not make it a version either way), integers as numbers, other numbers
 * tagged `{"$float": text}` so they never collide with a string.
 */
function toCanonical(
  node: unknown,
  doc: Document,
  file: string,
  path: string,
  walk: AliasWalk = { open: new Set(), nodes: 0 },
): Canonical {
  if (node === null || node === undefined) return null
  if (++walk.nodes > MAX_NODES)
    throw new UserError(
      'recipe',
      `${file}: ${path || '(root)'}`,
      `expands to more than ${MAX_NODES} values (aliases repeating aliases)`,
    )
  if (isAlias(node)) {
    walk.targets ??= aliasTargets(doc)
    const target = walk.targets.get(node) ?? null
    if (walk.open.has(target))
      throw new UserError(
        'recipe',
        `${file}: ${path || '(root)'}`,
        `alias *${node.source} refers to a node that contains it`,
      )
    return toCanonical(target, doc, file, path, walk)
  }
  if (isMap(node)) {
    walk.open.add(node)
    const out: Obj = {}
    for (const pair of node.items) {
      const key = keyText(pair.key)
      if (key === undefined)
        throw new UserError('recipe', `${file}: ${path || '(root)'}`, 'expected scalar keys')
      out[key] = toCanonical(pair.value, doc, file, path ? `${path}.${key}` : key, walk)
    }
    walk.open.delete(node)
    return out
  }
  if (isSeq(node)) {
    walk.open.add(node)
    const out = node.items.map((n, i) => toCanonical(n, doc, file, `${path}.${i}`, walk))
    walk.open.delete(node)
    return out
  }
  if (isScalar(node)) {
    const v = node.value
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
    if (typeof v === 'number') return Number.isSafeInteger(v) ? v : { $float: String(v) }
    return String(v)
  }
  throw new UserError('recipe', `${file}: ${path || '(root)'}`, 'unsupported YAML node')
}

function keyText(key: unknown): string | undefined {
  if (key === null || key === undefined) return ''
  if (!isScalar(key)) return undefined
  const v = key.value
  if (typeof v === 'string') return v
  // A plain numeric key keeps its spelling (`2.0`, not `2`).
  if (typeof key.source === 'string') return key.source
  return String(v)
}
