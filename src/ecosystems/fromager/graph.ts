/**
 * Fromager's `graph.json` (what `fromager bootstrap` writes, `dependency_graph.py`): an object
 * keyed by node key — `""` for the root, `<canonical name>==<version>` for every other node — each
 * node `{download_url, pre_built, version, canonicalized_name, edges: [{key, req_type, req}]}`.
 * Edge requirement types: `toplevel` (from the root), `install`, `build-system`, `build-backend`,
 * `build-sdist`. Parsed into nodes with binary-check deptypes; a dangling edge or an unknown
 * requirement type is a one-line error naming the node and field. Pure.
 */
import { quote, UserError } from '../../core/errors.js'
import { packageNameProblem, versionProblem } from '../../core/names.js'
import type { DepType } from '../../core/model.js'
import { canonicalizeName } from './names.js'

/** Requirement type → deptype: build requirements build the wheel, install ones run with it. */
export const REQUIREMENT_DEPTYPES: Readonly<Record<string, DepType>> = {
  'build-system': 'build',
  'build-backend': 'build',
  'build-sdist': 'build',
  install: 'run',
  toplevel: 'run',
}

export interface GraphEdge {
  /** The dependency's node key (`name==version`). */
  key: string
  reqType: string
  types: DepType[]
  req: string
}

export interface GraphNode {
  key: string
  name: string
  version: string
  downloadUrl: string
  preBuilt: boolean
  /** The sdist sha256 when the graph carries one (`sdist_sha256`, or `#sha256=` on the URL). */
  sha256?: string
  edges: GraphEdge[]
}

export interface FromagerGraph {
  nodes: Map<string, GraphNode>
  /** Keys the root requires (`toplevel`). */
  topLevel: string[]
}

/** The most nodes a graph may have (real ones have hundreds to a few thousand). */
export const MAX_GRAPH_NODES = 100_000
/** The largest graph.json read, in characters (~bytes): 128 MiB. */
export const MAX_GRAPH_CHARS = 128 * 2 ** 20

export function parseFromagerGraph(text: string, file: string): FromagerGraph {
  if (text.length > MAX_GRAPH_CHARS)
    throw new UserError(
      'lockfile',
      file,
      `is ${(text.length / 2 ** 20).toFixed(0)} MiB, more than the ${MAX_GRAPH_CHARS / 2 ** 20} MiB binary-check reads`,
    )
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new UserError('lockfile', file, `invalid JSON: ${(e as Error).message.split('\n')[0]}`)
  }
  if (!isRecord(raw))
    throw new UserError(
      'lockfile',
      file,
      `expected an object keyed by "name==version", got ${kind(raw)}`,
    )
  const count = Object.keys(raw).length
  if (count > MAX_GRAPH_NODES + 1)
    throw new UserError(
      'lockfile',
      file,
      `has ${count} nodes, more than the ${MAX_GRAPH_NODES} binary-check plans`,
    )
  const nodes = new Map<string, GraphNode>()
  const topLevel: string[] = []
  for (const [key, value] of Object.entries(raw)) {
    const at = `${file}: ${quote(key, 120)}`
    if (!isRecord(value))
      throw new UserError('lockfile', at, `expected a node object, got ${kind(value)}`)
    const edgesRaw = value.edges ?? []
    if (!Array.isArray(edgesRaw))
      throw new UserError('lockfile', `${at}.edges`, `expected a list, got ${kind(edgesRaw)}`)
    const edges: GraphEdge[] = edgesRaw.map((e, i) => {
      const eat = `${at}.edges.${i}`
      if (!isRecord(e))
        throw new UserError('lockfile', eat, `expected an edge object, got ${kind(e)}`)
      if (typeof e.key !== 'string')
        throw new UserError('lockfile', `${eat}.key`, `expected a node key, got ${kind(e.key)}`)
      if (typeof e.req_type !== 'string' || !(e.req_type in REQUIREMENT_DEPTYPES))
        throw new UserError(
          'lockfile',
          `${eat}.req_type`,
          `unknown requirement type ${JSON.stringify(e.req_type)} (expected one of ${Object.keys(REQUIREMENT_DEPTYPES).join(', ')})`,
        )
      return {
        key: e.key,
        reqType: e.req_type,
        types: [REQUIREMENT_DEPTYPES[e.req_type]!],
        req: typeof e.req === 'string' ? e.req : '',
      }
    })
    if (key === '') {
      topLevel.push(...edges.map((e) => e.key))
      continue
    }
    const name = typeof value.canonicalized_name === 'string' ? value.canonicalized_name : undefined
    const version = typeof value.version === 'string' ? value.version : undefined
    if (!name || !version)
      throw new UserError(
        'lockfile',
        at,
        `expected "canonicalized_name" and "version" strings, got ${kind(value.canonicalized_name)} and ${kind(value.version)}`,
      )
    // Name and version make the spec id (`name==version variant=v`) and patch folder names.
    const nameProblem = packageNameProblem(canonicalizeName(name))
    if (nameProblem !== undefined)
      throw new UserError('lockfile', `${at}.canonicalized_name`, nameProblem)
    const versionIssue = versionProblem(version, 'python')
    if (versionIssue !== undefined) throw new UserError('lockfile', `${at}.version`, versionIssue)
    if (
      canonicalizeName(key.split('==')[0] ?? '') !== canonicalizeName(name) ||
      !key.endsWith(`==${version}`)
    )
      throw new UserError(
        'lockfile',
        at,
        `key does not match "${name}==${version}" (canonicalized_name==version)`,
      )
    const downloadUrl = typeof value.download_url === 'string' ? value.download_url : ''
    const fromUrl = /#sha256=([0-9a-f]{64})$/i.exec(downloadUrl)?.[1]
    const declared = typeof value.sdist_sha256 === 'string' ? value.sdist_sha256 : undefined
    const sha256 = (declared ?? fromUrl)?.toLowerCase()
    nodes.set(key, {
      key,
      name: canonicalizeName(name),
      version,
      downloadUrl: downloadUrl.replace(/#.*$/, ''),
      preBuilt: value.pre_built === true,
      ...(sha256 ? { sha256 } : {}),
      edges,
    })
  }
  for (const node of nodes.values())
    node.edges.forEach((e, i) => {
      if (!nodes.has(e.key))
        throw new UserError(
          'lockfile',
          `${file}: ${quote(node.key, 120)}.edges.${i}.key`,
          `dangling edge: no node ${quote(e.key, 120)} in the graph`,
        )
    })
  topLevel.forEach((k, i) => {
    if (!nodes.has(k))
      throw new UserError(
        'lockfile',
        `${file}: "".edges.${i}.key`,
        `dangling edge: no node ${quote(k, 120)} in the graph`,
      )
  })
  return { nodes, topLevel }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function kind(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`
}
