/**
 * The Fromager ecosystem adapter (ARCHITECTURE §6): from a repository snapshot to Package values
 * and the concrete spec set, one spec per `graph.json` node and configured variant
 * (`torch==2.5.1 variant=cuda`).
 *
 * Per package (PEP 503 name):
 *  - digestInputs.recipe: its settings file canonicalised, without `variants` and `changelog`;
 *  - digestInputs.bases: its plugin module and the local modules that imports, canonical Python;
 *  - digestInputs.files: the configured env files (git blob ids);
 *  - versions: one per graph node, checksum = the sdist sha256 (graph, else `fromager.sdists`);
 *  - patches: `<patches>/<name>/*.patch` (every version), `<patches>/<name>-<version>/*.patch`
 *    (`when: "@=<version>"`), and their `<variant>/` subfolders (`… variant=<v>`);
 *  - conditionalCode: each variant's settings (`when: "variant=<v>"`) and each version's changelog
 *    entries (`when: "@=<version>"`), so they reach only the wheels they shape.
 */
import { matchesGlob } from 'node:path'
import {
  DIGEST_ALGORITHM,
  digestOf,
  digestText,
  sha256Hex,
  type Digest,
} from '../../core/canonical-encode.js'
import { UserError } from '../../core/errors.js'
import { packageNameProblem } from '../../core/names.js'
import type {
  ConcreteSpec,
  ConditionalCode,
  Package,
  PatchDirective,
  SpecEdge,
  VersionDirective,
} from '../../core/model.js'
import { packageDigestInputs } from '../../core/digest/package-digest.js'
import { parseSpecConstraintCached, satisfies } from '../../core/spec/constraint.js'
import type { Config } from '../../config/config-schema.js'
import type { RepoSnapshot } from '../snapshot.js'
import { canonicalizePythonModule, parseSpackRecipe } from '../spack/recipe/index.js'
import { parseFromagerGraph } from './graph.js'
import { canonicalizeName, splitNameVersion } from './names.js'
import { parseFromagerSettings, type CanonicalSettings } from './settings.js'

export interface FromagerTree {
  packages: Map<string, Package>
  specs: Map<string, ConcreteSpec>
}

export const FROMAGER_DEFAULTS = {
  graph: 'graph.json',
  settings: 'overrides/settings',
  patches: 'overrides/patches',
  variants: ['cpu'],
} as const

/** The id of one wheel build: `name==version variant=<v>`. */
export function fromagerSpecId(name: string, version: string, variant: string): string {
  return `${name}==${version} variant=${variant}`
}

export async function readFromagerTree(
  snap: RepoSnapshot,
  config: Config,
  isIgnored: (path: string) => boolean,
): Promise<FromagerTree> {
  const fc = config.fromager ?? {}
  const graphPath = fc.graph ?? FROMAGER_DEFAULTS.graph
  const settingsDir = trimDir(fc.settings ?? FROMAGER_DEFAULTS.settings)
  const patchesDir = trimDir(fc.patches ?? FROMAGER_DEFAULTS.patches)
  const variants = fc.variants ?? [...FROMAGER_DEFAULTS.variants]
  const where = snap.rev === 'WORKTREE' ? 'the working tree' : `commit ${snap.rev.slice(0, 12)}`
  const paths = [...snap.files.keys()].filter((p) => !isIgnored(p)).sort()

  // 1. The graph.
  const graphOid = snap.files.get(graphPath)
  if (!graphOid)
    throw new UserError('config', 'fromager.graph', `"${graphPath}" not found in ${where}`)
  const graph = parseFromagerGraph(await readText(snap, graphOid), graphPath)

  // 2. Settings files, plugins, patch directories.
  const settingsFiles = new Map<string, string>()
  for (const p of under(paths, settingsDir)) {
    const rest = p.slice(settingsDir.length + 1)
    if (rest.includes('/') || !/\.ya?ml$/.test(rest)) continue
    const name = canonicalizeName(rest.replace(/\.ya?ml$/, ''))
    // A file name that is no package name (`zl\u0456b.yaml`, `a b.yaml`) configures no package.
    if (packageNameProblem(name) !== undefined) continue
    const prev = settingsFiles.get(name)
    if (prev)
      throw new UserError(
        'recipe',
        p,
        `settings for "${name}" are also in ${prev} (one file per package)`,
      )
    settingsFiles.set(name, p)
  }
  const plugins = new Map<string, { file: string; field: string }>()
  for (const [key, ref] of Object.entries(fc.plugins ?? {})) {
    const field = `fromager.plugins.${key}`
    const problem = packageNameProblem(canonicalizeName(key))
    if (problem !== undefined) throw new UserError('config', 'fromager.plugins', problem)
    plugins.set(canonicalizeName(key), { file: resolvePlugin(ref, snap, field, where), field })
  }
  const names = new Set<string>([...settingsFiles.keys(), ...plugins.keys()])
  for (const n of graph.nodes.values()) names.add(n.name)

  const patchesByName = new Map<
    string,
    Array<{ path: string; version?: string; variant?: string }>
  >()
  for (const p of under(paths, patchesDir)) {
    if (!p.endsWith('.patch')) continue
    const parts = p.slice(patchesDir.length + 1).split('/')
    if (parts.length < 2 || parts.length > 3) continue
    const [dir, sub] = [parts[0]!, parts.length === 3 ? parts[1] : undefined]
    const plain = canonicalizeName(dir)
    const hit = names.has(plain)
      ? { name: plain, version: undefined }
      : splitNameVersion(dir, names)
    if (!hit) continue
    const list = patchesByName.get(hit.name) ?? []
    list.push({
      path: p,
      ...(hit.version ? { version: hit.version } : {}),
      ...(sub ? { variant: sub } : {}),
    })
    patchesByName.set(hit.name, list)
  }

  // 3. Sdists from a local directory (sha256 of the file), for nodes the graph gives none.
  const sdistHash = new Map<string, { sha256: string; path: string }>()
  if (fc.sdists) {
    const dir = trimDir(fc.sdists)
    const files = under(paths, dir).filter(
      (p) => !p.slice(dir.length + 1).includes('/') && p.endsWith('.tar.gz'),
    )
    const wanted = files
      .map((p) => ({ p, hit: splitNameVersion(p.slice(dir.length + 1, -'.tar.gz'.length), names) }))
      .filter((x) => x.hit !== undefined)
    const blobs = await readBlobsCached(
      snap,
      wanted.map((w) => snap.files.get(w.p)!),
    )
    for (const { p, hit } of wanted)
      sdistHash.set(`${hit!.name}==${hit!.version}`, {
        sha256: blobs.get(snap.files.get(p)!)!,
        path: p,
      })
  }

  // 4. Env files (every package).
  const envFiles: Record<string, string> = {}
  ;(fc.envFiles ?? []).forEach((glob, i) => {
    const matched = paths.filter((p) => p === glob || matchesGlob(p, glob))
    if (matched.length === 0)
      throw new UserError(
        'config',
        `fromager.envFiles.${i}`,
        `"${glob}" matches no file in ${where}`,
      )
    for (const p of matched) envFiles[p] = snap.files.get(p)!
  })

  // 5. Read settings and plugin modules.
  const settings = new Map<string, CanonicalSettings>()
  const settingsOids = [...settingsFiles.values()].map((p) => snap.files.get(p)!)
  const settingsTexts = await snap.readBlobs(settingsOids)
  for (const [name, p] of settingsFiles)
    settings.set(
      name,
      parseFromagerSettings(settingsTexts.get(snap.files.get(p)!)!.toString('utf8'), p),
    )
  const moduleDigests = new Map<string, { digest: Digest; imports: string[] }>()
  const loadModule = async (path: string): Promise<{ digest: Digest; imports: string[] }> => {
    const hit = moduleDigests.get(path)
    if (hit) return hit
    const text = await readText(snap, snap.files.get(path)!)
    const canonical = canonicalizePythonModule(text, path)
    const imports = parseSpackRecipe(text, path).imports
    const local = new Set<string>()
    for (const imp of imports)
      for (const c of localModuleCandidates(imp, path))
        if (snap.files.has(c) && !isIgnored(c)) local.add(c)
    const m = { digest: digestText(canonical), imports: [...local].sort() }
    moduleDigests.set(path, m)
    return m
  }
  const closureOf = async (start: string): Promise<string[]> => {
    const seen = new Set<string>()
    const queue = [start]
    while (queue.length > 0) {
      const p = queue.shift()!
      if (seen.has(p)) continue
      seen.add(p)
      queue.push(...(await loadModule(p)).imports)
    }
    return [...seen].sort()
  }

  // 6. Packages.
  const nodesByName = new Map<string, string[]>()
  for (const n of graph.nodes.values()) {
    const list = nodesByName.get(n.name) ?? []
    list.push(n.key)
    nodesByName.set(n.name, list)
  }
  const packages = new Map<string, Package>()
  for (const name of [...names].sort()) {
    const settingsPath = settingsFiles.get(name)
    const s = settings.get(name) ?? {
      common: {},
      variants: {},
      preBuiltVariants: [],
      changelog: {},
    }
    const recipe = digestOf({ algorithm: DIGEST_ALGORITHM, fromagerSettings: s.common })
    const bases: Record<string, Digest> = {}
    const plugin = plugins.get(name)
    const closure = plugin ? await closureOf(plugin.file) : []
    for (const p of closure) bases[p] = moduleDigests.get(p)!.digest
    const nodeKeys = (nodesByName.get(name) ?? []).sort()
    // Versioned patches and changelog entries reach a version by `@=<version>`. When a graph
    // version of the package cannot be matched that way (a local version, `2.5.1+cu124`: Fromager
    // matches its public part), they reach every version instead (conservative).
    const exact = nodeKeys.every((k) => versionWhen(graph.nodes.get(k)!.version) !== undefined)
    const whenVersion = (v: string): string | undefined => (exact ? versionWhen(v) : undefined)
    const conditionalCode: ConditionalCode[] = []
    const place = settingsPath ? { file: settingsPath, line: 1 } : undefined
    for (const [v, part] of Object.entries(s.variants).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const when = `variant=${v}`
      conditionalCode.push({
        when: whenIfParsable(when) ?? '',
        label: `settings variants.${v}`,
        digest: digestOf({ algorithm: DIGEST_ALGORITHM, fromagerVariant: part }),
        ...(place ? { place } : {}),
      })
    }
    for (const [ver, entries] of Object.entries(s.changelog).sort(([a], [b]) => (a < b ? -1 : 1))) {
      conditionalCode.push({
        when: whenVersion(ver) ?? '',
        label: `settings changelog ${ver}`,
        digest: digestOf({ algorithm: DIGEST_ALGORITHM, fromagerChangelog: entries }),
        ...(place ? { place } : {}),
      })
    }
    const versions: VersionDirective[] = nodeKeys.map((k) => {
      const n = graph.nodes.get(k)!
      const sha256 = n.sha256 ?? sdistHash.get(`${name}==${n.version}`)?.sha256
      return {
        version: n.version,
        ...(sha256
          ? { checksum: `sha256:${sha256}` }
          : n.downloadUrl
            ? { url: n.downloadUrl }
            : {}),
        deprecated: false,
        preferred: false,
      }
    })
    const patches: PatchDirective[] = (patchesByName.get(name) ?? [])
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map((p) => {
        const conds = [
          ...(p.version ? [whenVersion(p.version)] : []),
          ...(p.variant ? [whenIfParsable(`variant=${p.variant}`)] : []),
        ]
        // A condition the spec grammar cannot state applies the patch to every spec (conservative).
        const when = conds.every((c) => c !== undefined) ? conds.join(' ') : ''
        return { file: p.path, contentHash: snap.files.get(p.path)!, ...(when ? { when } : {}) }
      })
    const inputPaths = [
      ...(settingsPath ? [settingsPath] : []),
      ...closure,
      ...patches.map((p) => p.file!),
      ...Object.keys(envFiles),
      ...(nodeKeys.length > 0 ? [graphPath] : []),
      ...nodeKeys.flatMap((k) => {
        const hit = sdistHash.get(k)
        return hit && !graph.nodes.get(k)!.sha256 ? [hit.path] : []
      }),
    ]
    packages.set(name, {
      name,
      ecosystem: 'fromager',
      recipePath: settingsPath ?? plugin?.file ?? graphPath,
      directory: '',
      digestInputs: packageDigestInputs('fromager', recipe, bases, { ...envFiles }),
      versions,
      variants: [{ name: 'variant', default: variants[0]!, values: [...variants] }],
      dependencies: [],
      patches,
      resources: [],
      provides: [],
      conflicts: [],
      requires: [],
      conditionalCode,
      unresolved: [],
      ignoredFiles: [],
      inputPaths: [...new Set(inputPaths)].sort(),
    })
  }

  // 7. Specs: every node × every variant, edges within the variant.
  const specs = new Map<string, ConcreteSpec>()
  for (const variant of variants) {
    for (const node of graph.nodes.values()) {
      const id = fromagerSpecId(node.name, node.version, variant)
      const byDep = new Map<string, SpecEdge>()
      for (const e of node.edges) {
        const dep = graph.nodes.get(e.key)!
        const depId = fromagerSpecId(dep.name, dep.version, variant)
        const prev = byDep.get(depId)
        if (prev) prev.types = [...new Set([...prev.types, ...e.types])].sort()
        else byDep.set(depId, { id: depId, name: dep.name, types: [...e.types] })
      }
      const preBuilt =
        node.preBuilt || (settings.get(node.name)?.preBuiltVariants.includes(variant) ?? false)
      specs.set(id, {
        id,
        package: node.name,
        version: node.version,
        variants: { variant },
        parameters: {},
        dependencies: [...byDep.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
        ...(preBuilt ? { external: { pre_built: 'true' } } : {}),
        origin: `graph:${graphPath}`,
      })
    }
  }
  return { packages, specs }
}

function trimDir(d: string): string {
  return d.replace(/^\.\//, '').replace(/\/+$/, '')
}

function under(sorted: readonly string[], dir: string): string[] {
  const prefix = dir === '' ? '' : `${dir}/`
  return sorted.filter((p) => p.startsWith(prefix))
}

async function readText(snap: RepoSnapshot, oid: string): Promise<string> {
  return (await snap.readBlobs([oid])).get(oid)!.toString('utf8')
}

/** sha256 of blobs by id (sdists can be large: read once per process). */
const SHA256_BY_OID = new Map<string, string>()
async function readBlobsCached(snap: RepoSnapshot, oids: string[]): Promise<Map<string, string>> {
  const missing = [...new Set(oids.filter((o) => !SHA256_BY_OID.has(o)))]
  for (const o of missing) {
    const buf = (await snap.readBlobs([o])).get(o)
    if (!buf) throw new UserError('git', o, `blob ${o} could not be read`)
    SHA256_BY_OID.set(o, sha256Hex(buf))
  }
  return new Map(oids.map((o) => [o, SHA256_BY_OID.get(o)!]))
}

/** `@=<version>` when the spec grammar states it exactly (and a spec of that version satisfies it). */
function versionWhen(version: string): string | undefined {
  const when = `@=${version}`
  try {
    const c = parseSpecConstraintCached(when)
    return satisfies({ name: '', version, variants: {}, dependency: () => undefined }, c)
      ? when
      : undefined
  } catch {
    return undefined
  }
}

function whenIfParsable(when: string): string | undefined {
  try {
    parseSpecConstraintCached(when)
    return when
  } catch {
    return undefined
  }
}

/** A plugin given as a repository path (`overrides/plugins/torch.py`) or a dotted module. */
function resolvePlugin(ref: string, snap: RepoSnapshot, field: string, where: string): string {
  if (ref.endsWith('.py') || ref.includes('/')) {
    const p = trimDir(ref)
    if (snap.files.has(p)) return p
    throw new UserError('config', field, `plugin file "${ref}" not found in ${where}`)
  }
  const base = ref.split('.').join('/')
  const candidates = ['', 'src/'].flatMap((r) => [`${r}${base}.py`, `${r}${base}/__init__.py`])
  const hit = candidates.find((c) => snap.files.has(c))
  if (hit) return hit
  throw new UserError(
    'config',
    field,
    `plugin module "${ref}" not found in ${where} (looked for ${candidates.join(', ')})`,
  )
}

/**
 * Repository files an import of a plugin module may load from the same tree: relative imports
 * from the module's package, absolute ones from the module's directory or any directory above it.
 */
function localModuleCandidates(
  imp: { module: string; names: string[] },
  fromFile: string,
): string[] {
  const asFiles = (base: string): string[] => [`${base}.py`, `${base}/__init__.py`]
  const dirParts = fromFile.split('/').slice(0, -1)
  const out: string[] = []
  if (imp.module.startsWith('.')) {
    const level = imp.module.length - imp.module.replace(/^\.+/, '').length
    const rest = imp.module.slice(level)
    const up = dirParts.slice(0, Math.max(0, dirParts.length - (level - 1)))
    const base = [...up, ...(rest ? rest.split('.') : [])]
    if (rest) out.push(...asFiles(base.join('/')))
    for (const n of imp.names) out.push(...asFiles([...base, n].join('/')))
    return out
  }
  const segs = imp.module.split('.')
  for (let i = dirParts.length; i >= 0; i--) {
    const base = [...dirParts.slice(0, i), ...segs].join('/')
    out.push(...asFiles(base))
    for (const n of imp.names) if (n !== '*') out.push(...asFiles(`${base}/${n}`))
  }
  return out
}
