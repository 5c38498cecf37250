/**
 * Deriving head's digests from the base (re-reading only changed packages) must give exactly what
 * digesting head in full gives; and where it cannot (changed directives, config, new recipes) it
 * declines instead of guessing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_DEPTYPES, type SpecDigestInputs } from '../src/core/model.js'
import { validateConfig } from '../src/config/config-schema.js'
import { MemoryBlobCache } from '../src/ecosystems/snapshot.js'
import type { ModuleAnalysis, RecipeAnalysis } from '../src/ecosystems/spack/read-spack-packages.js'
import {
  deriveDigestTree,
  digestTreeFully,
  openTreePackages,
  type TreeResult,
  type TreeSettings,
} from '../src/engine/digest-tree.js'
import { reusableFrom, type ReusableVersions } from '../src/core/resolve-specs.js'
import { readSnapshot } from '../src/engine/repo-snapshot.js'
import { createGit } from '../src/git/index.js'
import { parse } from 'yaml'
import type { GitFixture } from './support/git-fixture.js'
import {
  BS,
  CMAKE_BS,
  CONFIG,
  createSpackFixture,
  LIBFOO,
  PKG,
  ZLIB,
  FILES,
  APP,
} from './support/spack-fixture.js'

let fx: GitFixture | undefined
afterEach(async () => fx?.cleanup())

function settings(configText = CONFIG): TreeSettings {
  const r = validateConfig(parse(configText))
  if (!('config' in r)) throw new Error('bad config')
  return {
    config: r.config,
    isIgnored: () => false,
    deptypes: new Set(DEFAULT_DEPTYPES),
    isBase: false,
    configPath: '.binary-check.yml',
  }
}

/**
 * As the engine does with `concretizer.reuse` (the default) and no mirror: the head keeps the
 * base's versions, and the base says whether that resolves like itself.
 */
function headSettingsAfter(
  base: TreeResult,
  s: TreeSettings,
  mirror?: ReusableVersions,
): TreeSettings {
  const reuse = reusableFrom(base.specs.values(), mirror)
  base.reuseStable = base.resolution!.sameWith(reuse)
  return { ...s, reuse }
}

/** Commits made before the base of a change (see compare). */
const prepared = new Map<unknown, (fx: GitFixture) => Promise<void>>()

async function compare(
  change: (fx: GitFixture) => Promise<void>,
  configText = CONFIG,
  mirror?: ReusableVersions,
  reresolve = false,
) {
  fx = await createSpackFixture({ ...FILES, '.binary-check.yml': configText })
  const git = await createGit(fx.dir)
  if (prepared.has(change)) await prepared.get(change)!(fx)
  const baseRev = (await fx.git('rev-parse', 'HEAD')).trim()
  await change(fx)
  const headRev = await fx.commit('change')
  const s = settings(configText)
  // One analysis cache, as a run has: the head's unchanged packages come from the base's analyses.
  const cache = new MemoryBlobCache<RecipeAnalysis | ModuleAnalysis>()
  const base = await digestTreeFully(
    await readSnapshot(git, baseRev),
    { ...s, isBase: true, ...(mirror ? { reuse: mirror } : {}) },
    cache,
  )
  const headSettings = headSettingsAfter(base, s, mirror)
  const headSnap = await readSnapshot(git, headRev)
  const derived = await deriveDigestTree(
    base,
    headSnap,
    await git.changedFiles(baseRev, headRev),
    headSettings,
    cache,
    reresolve ? async () => openTreePackages(headSnap, headSettings, cache) : undefined,
  )
  const full = await digestTreeFully(headSnap, headSettings, new MemoryBlobCache())
  return { derived, full, base }
}

const digests = (t: { specDigests: ReadonlyMap<string, { digest: string }> }) =>
  Object.fromEntries([...t.specDigests].map(([id, d]) => [id, d.digest]))
const inputs = (t: { specDigests: ReadonlyMap<string, { inputs: SpecDigestInputs }> }) =>
  Object.fromEntries([...t.specDigests].map(([id, d]) => [id, d.inputs]))

describe('deriveDigestTree', () => {
  it.each([
    [
      'a method body',
      async (fx: GitFixture) =>
        fx.write(
          `${PKG}/zlib/package.py`,
          ZLIB.replace('make("install")', 'make("install", "-j1")'),
        ),
    ],
    [
      'a checksum',
      async (fx: GitFixture) =>
        fx.write(`${PKG}/zlib/package.py`, ZLIB.replace('sha256="aaaa"', 'sha256="abab"')),
    ],
    ['a patch file', async (fx: GitFixture) => fx.write(`${PKG}/zlib/old.patch`, 'changed\n')],
    [
      'a build-system module',
      async (fx: GitFixture) =>
        fx.write(`${BS}/cmake.py`, CMAKE_BS.replace('return []', 'return ["-GNinja"]')),
    ],
    [
      'a @when method',
      async (fx: GitFixture) =>
        fx.write(`${PKG}/libfoo/package.py`, LIBFOO.replace('"new"', '"newer"')),
    ],
    ['an unused file', async (fx: GitFixture) => fx.write(`${PKG}/zlib/notes.txt`, 'x\n')],
  ])('gives the full digests after %s', async (_name, change) => {
    const { derived, full } = await compare(change)
    expect(derived).toBeDefined()
    expect(digests(derived!)).toEqual(digests(full))
    // the same breakdown too: each dependency edge with its deptypes, virtuals and digest
    expect(inputs(derived!)).toEqual(inputs(full))
    expect(inputs(full)['app@1.0']!.dependencies['libfoo@2.0']!.types).toEqual(['build', 'link'])
    expect(Object.fromEntries(derived!.packageDigests)).toEqual(
      Object.fromEntries(full.packageDigests),
    )
  })

  it.each([
    [
      'a new dependency',
      async (fx: GitFixture) =>
        fx.write(
          `${PKG}/libfoo/package.py`,
          LIBFOO.replace(
            'depends_on("zlib", type=("build", "link"))',
            'depends_on("zlib", type=("build", "link"))\n    depends_on("cmake", type="build")',
          ),
        ),
    ],
    [
      'a dependency type',
      async (fx: GitFixture) =>
        fx.write(
          `${PKG}/libfoo/package.py`,
          LIBFOO.replace(
            'depends_on("zlib", type=("build", "link"))',
            'depends_on("zlib", type=("build", "link", "run"))',
          ),
        ),
    ],
    [
      'a new version',
      async (fx: GitFixture) =>
        fx.write(
          `${PKG}/zlib/package.py`,
          ZLIB.replace(
            '    version("1.3", ',
            '    version("1.3.2", sha256="x")\n    version("1.3", ',
          ),
        ),
    ],
    [
      'the config',
      async (fx: GitFixture) => fx.write('.binary-check.yml', `${CONFIG}ignore: ["*.md"]\n`),
    ],
    [
      'a new recipe',
      async (fx: GitFixture) =>
        fx.write(
          `${PKG}/newpkg/package.py`,
          'class Newpkg(Package):\n    version("1", sha256="a")\n',
        ),
    ],
    ['a removed recipe', async (fx: GitFixture) => fx.remove(`${PKG}/cuda/package.py`)],
  ])('declines after %s', async (_name, change) => {
    const { derived } = await compare(change)
    expect(derived).toBeUndefined()
  })

  const bodyChange = async (fx: GitFixture) =>
    fx.write(`${PKG}/zlib/package.py`, ZLIB.replace('make("install")', 'make("install", "-j1")'))

  it('gives the full result with unify: true and with the mirror’s versions kept (concretizer)', async () => {
    const unified = CONFIG.replace('  - zlib@1.2.13\n', '')
      .replace('  - libfoo@1.0\n', '')
      .replace('  - libfoo@2.0+cuda\n', '')
      .replace('{ unify: false }', '{ unify: true }')
      .replace('  - zlib@1.3.1\n', '  - zlib\n')
    // the mirror holds zlib 1.3: the base keeps it, so does the head
    const mirror = new Map([['zlib||||', [{ version: '1.3', mirror: true }]]])
    for (const [configText, m] of [
      [unified, undefined],
      [unified, mirror],
      [CONFIG.replace('  - zlib@1.3.1\n', '  - zlib\n'), mirror],
    ] as const) {
      const { derived, full } = await compare(bodyChange, configText, m)
      expect(derived).toBeDefined()
      expect(digests(derived!)).toEqual(digests(full))
      expect(derived!.notes).toEqual(full.notes)
      if (m) expect(full.specs.has('zlib@1.3')).toBe(true)
      await fx!.cleanup()
      fx = undefined
    }
  })

  it('declines when the base would not resolve the same keeping its own versions', async () => {
    fx = await createSpackFixture()
    const git = await createGit(fx.dir)
    const baseRev = (await fx.git('rev-parse', 'HEAD')).trim()
    await bodyChange(fx)
    const headRev = await fx.commit('change')
    const s = settings()
    const base = await digestTreeFully(await readSnapshot(git, baseRev), s, new MemoryBlobCache())
    const headSettings = headSettingsAfter(base, s)
    expect(base.reuseStable).toBe(true)
    base.reuseStable = false
    const changed = await git.changedFiles(baseRev, headRev)
    const headSnap = await readSnapshot(git, headRev)
    expect(
      await deriveDigestTree(base, headSnap, changed, headSettings, new MemoryBlobCache()),
    ).toBeUndefined()
    // without reuse it does not matter
    const noReuse = settings(CONFIG.replace('{ unify: false }', '{ unify: false, reuse: false }'))
    expect(
      await deriveDigestTree(base, headSnap, changed, noReuse, new MemoryBlobCache()),
    ).toBeDefined()
  })
})

// Every package at its default spec, each resolved on its own (as the real-repository sweep plans).
const DEFAULTS = `ecosystem: spack
recipes: ${PKG}
buildSystems: ${BS}
`

const newDependency = async (fx: GitFixture) =>
  fx.write(
    `${PKG}/libfoo/package.py`,
    LIBFOO.replace(
      'depends_on("zlib", type=("build", "link"))',
      'depends_on("zlib", type=("build", "link"))\n    depends_on("cmake", type="build")',
    ),
  )
const newVersion = async (fx: GitFixture) =>
  fx.write(
    `${PKG}/zlib/package.py`,
    ZLIB.replace('    version("1.3.1", ', '    version("1.4", sha256="x")\n    version("1.3.1", '),
  )
const deprecated = async (fx: GitFixture) =>
  fx.write(
    `${PKG}/zlib/package.py`,
    ZLIB.replace(
      'version("1.3.1", sha256="aaaa")',
      'version("1.3.1", sha256="aaaa", deprecated=True)',
    ),
  )
const newVariant = async (fx: GitFixture) =>
  fx.write(
    `${PKG}/app/package.py`,
    APP.replace(
      '    depends_on(',
      '    variant("gui", default=True, description="x")\n    depends_on(',
    ),
  )

const namedBefore = async (fx: GitFixture) =>
  fx.write(`${PKG}/newdep/package.py`, 'class Newdep(Package):\n    version("1", sha256="a")\n')
prepared.set(namedBefore, async (fx: GitFixture) => {
  await fx.write(
    `${PKG}/app/package.py`,
    APP.replace('    depends_on(', '    depends_on("newdep")\n    depends_on('),
  )
  await fx.commit('app depends on a package not there yet')
})

/**
 * A re-resolved derivation written to the tree cache as a delta on its base (another spec set)
 * reads back as the same tree, smaller than the base's full entry.
 */
async function expectDeltaRoundTrip(base: TreeResult, derived: TreeResult): Promise<void> {
  const { mkdtemp, readFile, rm, stat } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { readTreeCache, writeTreeCache } = await import('../src/engine/tree-cache.js')
  const dir = await mkdtemp(join(tmpdir(), 'binary-check-resolved-delta-'))
  try {
    const deptypes = new Set(DEFAULT_DEPTYPES)
    await writeTreeCache(dir, 'b'.repeat(64), base)
    base.cacheDepth = 0
    await writeTreeCache(dir, 'h'.repeat(64), derived, { key: 'b'.repeat(64), tree: base })
    delete base.cacheDepth
    const stored = JSON.parse(
      await readFile(join(dir, 'trees', `${'h'.repeat(64)}.json`), 'utf8'),
    ) as { baseKey?: string; resolved?: unknown }
    expect(stored.baseKey).toBe('b'.repeat(64))
    expect(stored.resolved).toBeDefined()
    const back = (await readTreeCache(dir, 'h'.repeat(64), derived.sha, deptypes))!
    expect(back.cacheDepth).toBe(1)
    expect([...back.specs.keys()].sort()).toEqual([...derived.specs.keys()].sort())
    for (const [id, spec] of derived.specs) expect(back.specs.get(id)).toEqual(spec)
    expect(digests(back)).toEqual(digests(derived))
    expect(inputs(back)).toEqual(inputs(derived))
    const plain = (m: ReadonlyMap<string, unknown> | undefined) =>
      m === undefined ? undefined : Object.fromEntries([...m].sort())
    for (const field of [
      'packageDigests',
      'resolutionDigests',
      'containers',
      'roots',
      'providing',
    ] as const)
      expect(plain(back[field]), field).toEqual(plain(derived[field]))
    expect(plain(back.packages)).toEqual(plain(derived.packages))
    expect(back.notes).toEqual(derived.notes)
    expect(back.reuseStable).toEqual(derived.reuseStable)
    const size = async (k: string) => (await stat(join(dir, 'trees', `${k}.json`))).size
    expect(await size('h'.repeat(64))).toBeLessThan(await size('b'.repeat(64)))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('deriveDigestTree re-resolving the roots a resolution change reaches', () => {
  it.each([
    ['a new dependency', newDependency],
    [
      'a dependency type',
      async (fx: GitFixture) =>
        fx.write(
          `${PKG}/libfoo/package.py`,
          LIBFOO.replace(
            'depends_on("zlib", type=("build", "link"))',
            'depends_on("zlib", type=("build", "link", "run"))',
          ),
        ),
    ],
    ['a new version', newVersion],
    ['a deprecated kept version', deprecated],
    ['a new variant', newVariant],
    [
      'a new recipe',
      async (fx: GitFixture) =>
        fx.write(
          `${PKG}/newpkg/package.py`,
          'class Newpkg(Package):\n    version("1", sha256="a")\n',
        ),
    ],
    ['a new recipe that a dependency named before it existed', namedBefore],
    ['a removed recipe', async (fx: GitFixture) => fx.remove(`${PKG}/cuda/package.py`)],
  ])('gives the full result after %s', async (_name, change) => {
    for (const configText of [
      DEFAULTS,
      CONFIG,
      CONFIG.replace('{ unify: false }', '{ unify: false, reuse: false }'),
    ]) {
      const { derived, full, base } = await compare(change, configText, undefined, true)
      expect(derived).toBeDefined()
      expect([...derived!.specs.keys()].sort()).toEqual([...full.specs.keys()].sort())
      for (const [id, spec] of full.specs) expect(derived!.specs.get(id)).toEqual(spec)
      expect(digests(derived!)).toEqual(digests(full))
      expect(inputs(derived!)).toEqual(inputs(full))
      expect(Object.fromEntries(derived!.roots!)).toEqual(Object.fromEntries(full.roots!))
      expect(Object.fromEntries(derived!.packageDigests)).toEqual(
        Object.fromEntries(full.packageDigests),
      )
      expect(Object.fromEntries(derived!.resolutionDigests)).toEqual(
        Object.fromEntries(full.resolutionDigests),
      )
      // re-resolved (a derivation without re-resolution keeps the base's resolution digests)
      expect(Object.fromEntries(derived!.resolutionDigests)).not.toEqual(
        Object.fromEntries(base.resolutionDigests),
      )
      await expectDeltaRoundTrip(base, derived!)
      await fx!.cleanup()
      fx = undefined
    }
  })

  it('keeps the reused version after a new version: no digest changes', async () => {
    const { derived, base } = await compare(newVersion, DEFAULTS, undefined, true)
    expect(digests(derived!)).toEqual(digests(base))
    expect(derived!.specs.has('zlib@1.3.1')).toBe(true)
    // resolved fresh (as the next run's base, no mirror) it takes the new version: not the same
    expect(derived!.sameAsBase).toBe(false)
    expect(derived!.reuseStable).toBe(true)
  })

  it('reads only the packages the re-resolved roots reach, from the shared analyses', async () => {
    fx = await createSpackFixture({ ...FILES, '.binary-check.yml': DEFAULTS })
    const git = await createGit(fx.dir)
    const baseRev = (await fx.git('rev-parse', 'HEAD')).trim()
    await newVariant(fx)
    const headRev = await fx.commit('app: a new variant')
    const s = settings(DEFAULTS)
    const cache = new MemoryBlobCache<RecipeAnalysis | ModuleAnalysis>()
    const base = await digestTreeFully(
      await readSnapshot(git, baseRev),
      { ...s, isBase: true },
      cache,
    )
    const headSettings = headSettingsAfter(base, s)
    const headSnap = await readSnapshot(git, headRev)
    // Which recipes' analyses the derivation asks for (every one is in the cache already).
    const asked = new Set<string>()
    const counting = {
      get: (key: string) => (key.startsWith('recipe:') && asked.add(key), cache.get(key)),
      set: (key: string, value: RecipeAnalysis | ModuleAnalysis) => cache.set(key, value),
    }
    const derived = await deriveDigestTree(
      base,
      headSnap,
      await git.changedFiles(baseRev, headRev),
      headSettings,
      counting,
      async () => openTreePackages(headSnap, headSettings, counting),
    )
    const full = await digestTreeFully(headSnap, headSettings, new MemoryBlobCache())
    expect(digests(derived!)).toEqual(digests(full))
    const recipe = (name: string) => `recipe:${headSnap.files.get(`${PKG}/${name}/package.py`)}`
    expect(asked.has(recipe('app'))).toBe(true)
    // r and r_rcpp: neither reached from app nor a provider
    expect(asked.has(recipe('r'))).toBe(false)
    expect(asked.has(recipe('r_rcpp'))).toBe(false)
    expect(asked.size).toBeLessThan(full.packages.size)
  })

  it('derives the next run’s base too (the mirror’s versions kept), as digesting it would', async () => {
    // (its analysis cache starts empty: the derivation falls back to reading every package)
    fx = await createSpackFixture({ ...FILES, '.binary-check.yml': DEFAULTS })
    const git = await createGit(fx.dir)
    const baseRev = (await fx.git('rev-parse', 'HEAD')).trim()
    await newVersion(fx)
    const headRev = await fx.commit('change')
    const s = { ...settings(DEFAULTS), isBase: true }
    const base = await digestTreeFully(await readSnapshot(git, baseRev), s, new MemoryBlobCache())
    const headSnap = await readSnapshot(git, headRev)
    const derived = await deriveDigestTree(
      base,
      headSnap,
      await git.changedFiles(baseRev, headRev),
      s,
      new MemoryBlobCache(),
      async () => openTreePackages(headSnap, s, new MemoryBlobCache()),
    )
    const full = await digestTreeFully(headSnap, s, new MemoryBlobCache())
    expect(derived).toBeDefined()
    expect(full.specs.has('zlib@1.4')).toBe(true)
    expect(digests(derived!)).toEqual(digests(full))
    expect(derived!.sameAsBase).toBe(true)
  })

  it.each([
    [
      'unified requests',
      CONFIG.replace('  - zlib@1.2.13\n', '')
        .replace('  - libfoo@1.0\n', '')
        .replace('  - libfoo@2.0+cuda\n', '')
        .replace('{ unify: false }', '{ unify: true }'),
      newDependency,
    ],
    [
      'a changed provides',
      DEFAULTS,
      async (fx: GitFixture) =>
        fx.write(
          `${PKG}/zlib/package.py`,
          ZLIB.replace('    version("1.3.1", ', '    provides("zlib-api")\n    version("1.3.1", '),
        ),
    ],
  ])('declines with %s', async (_name, configText, change) => {
    const { derived } = await compare(change, configText, undefined, true)
    expect(derived).toBeUndefined()
  })
})

describe('tree cache', () => {
  it('reads back exactly what was written (packages, specs, digests), keyed by content', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { readTreeCache, treeCacheKey, writeTreeCache } =
      await import('../src/engine/tree-cache.js')
    // with a dependency cycle (ca → cb → ca), whose members share a cycle entry
    const cyc = (name: string, dep: string) =>
      `class ${name[0]!.toUpperCase()}${name.slice(1)}(Package):\n    version("1", sha256="a")\n    depends_on("${dep}", type="run")\n`
    fx = await createSpackFixture({
      ...FILES,
      [`${PKG}/ca/package.py`]: cyc('ca', 'cb'),
      [`${PKG}/cb/package.py`]: cyc('cb', 'ca'),
    })
    const git = await createGit(fx.dir)
    const snap = await readSnapshot(git, 'HEAD')
    const s = settings(CONFIG.replace('  - cmake\n', '  - cmake\n  - ca\n'))
    const tree = await digestTreeFully(snap, s, new MemoryBlobCache())
    const dir = await mkdtemp(join(tmpdir(), 'binary-check-tree-cache-'))
    try {
      const key = treeCacheKey(snap, s)
      expect(await readTreeCache(dir, key, snap.rev, s.deptypes)).toBeUndefined()
      await writeTreeCache(dir, key, tree)
      const back = (await readTreeCache(dir, key, snap.rev, s.deptypes))!
      expect(digests(back)).toEqual(digests(tree))
      expect(Object.keys(tree.specDigests.get('ca@1')!.inputs.dependencies)).toEqual(['cycle of 2'])
      expect(Object.fromEntries(back.packages)).toEqual(
        Object.fromEntries(
          [...tree.packages].map(([n, p]) => [
            n,
            {
              name: p.name,
              ecosystem: p.ecosystem,
              recipePath: p.recipePath,
              directory: p.directory,
              digestInputs: p.digestInputs,
              unresolved: p.unresolved,
              inputPaths: p.inputPaths,
            },
          ]),
        ),
      )
      expect(inputs(back)).toEqual(inputs(tree))
      // another config is another key
      expect(treeCacheKey(snap, settings(`${CONFIG}deptypes: [link]\n`))).not.toBe(key)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('tree cache deltas', () => {
  it('stores a derived head as a delta on its base and reads back the same tree', async () => {
    const { mkdtemp, rm, stat } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { readTreeCache, treeCacheKey, writeTreeCache } =
      await import('../src/engine/tree-cache.js')
    fx = await createSpackFixture()
    const git = await createGit(fx.dir)
    const baseRev = (await fx.git('rev-parse', 'HEAD')).trim()
    await fx.write(
      `${PKG}/zlib/package.py`,
      ZLIB.replace('make("install")', 'make("install", "-j3")'),
    )
    const headRev = await fx.commit('zlib install')
    const s = settings()
    const baseSnap = await readSnapshot(git, baseRev)
    const headSnap = await readSnapshot(git, headRev)
    const dir = await mkdtemp(join(tmpdir(), 'binary-check-tree-delta-'))
    try {
      const base = await digestTreeFully(baseSnap, s, new MemoryBlobCache())
      const headSettings = headSettingsAfter(base, s)
      const baseKey = treeCacheKey(baseSnap, s)
      await writeTreeCache(dir, baseKey, base)
      base.cacheDepth = 0
      const head = (await deriveDigestTree(
        base,
        headSnap,
        await git.changedFiles(baseRev, headRev),
        headSettings,
        new MemoryBlobCache(),
      ))!
      const headKey = treeCacheKey(headSnap, s)
      await writeTreeCache(dir, headKey, head, { key: baseKey, tree: base })
      const back = (await readTreeCache(dir, headKey, headRev, s.deptypes))!
      expect(back.cacheDepth).toBe(1)
      expect(digests(back)).toEqual(digests(head))
      expect(inputs(back)).toEqual(inputs(head))
      expect(back.packages.get('zlib')!.digestInputs).toEqual(
        head.packages.get('zlib')!.digestInputs,
      )
      expect(Object.fromEntries(back.packageDigests)).toEqual(
        Object.fromEntries(head.packageDigests),
      )
      const size = async (k: string) => (await stat(join(dir, 'trees', `${k}.json`))).size
      expect(await size(headKey)).toBeLessThan(await size(baseKey))
      // without its base, a delta is a miss, not a wrong tree
      await rm(join(dir, 'trees', `${baseKey}.json`))
      expect(await readTreeCache(dir, headKey, headRev, s.deptypes)).toBeUndefined()
      // and when an alias names the delta under its base's key (the base's own file pruned), the
      // chain comes back to itself: a miss, not a read that never ends
      const { writeTreeAlias } = await import('../src/engine/tree-cache.js')
      await writeTreeAlias(dir, baseKey, headKey)
      expect(await readTreeCache(dir, headKey, headRev, s.deptypes)).toBeUndefined()
      expect(await readTreeCache(dir, baseKey, headRev, s.deptypes)).toBeUndefined()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
