/**
 * Spack's `canonical_source` and `package_hash`, bit for bit, on the real corpus (issue 9 §1):
 * every recipe at the head of spack-packages-2025-12.bundle against the ground truth real Spack
 * made (../shared/corpus/spack/package-hashes-2026-01.json.gz: its canonical_source text and
 * package_hash per package, and the spec each was hashed for). At least 99 % must be
 * byte-identical; the first mismatching line of the first few failures is printed. Also: the
 * content hashes of the 81 nodes of all-pythons.spack.lock from their parts, and how often our
 * own default spec is the one Spack used. Skips with a message where ../shared is absent.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryBlobCache } from '../src/ecosystems/snapshot.js'
import { defaultHashSpec, formatHashSpec } from '../src/ecosystems/spack/package-hash/hash-spec.js'
import {
  canonicalSource,
  contentHashOf,
  packageHashOf,
} from '../src/ecosystems/spack/package-hash/package-hash.js'
import { hashSpecFromString } from '../src/ecosystems/spack/package-hash/spec-conditions.js'
import { readSpackPackages } from '../src/ecosystems/spack/read-spack-packages.js'
import { readSnapshot } from '../src/engine/repo-snapshot.js'
import { createGit } from '../src/git/index.js'
import { PROJECT_ROOT } from './support/run-dist.js'

const run = promisify(execFile)
const CORPUS = join(PROJECT_ROOT, '../shared/corpus')
const BUNDLE = join(CORPUS, 'spack-packages-2025-12.bundle')
const TRUTH = join(CORPUS, 'spack/package-hashes-2026-01.json.gz')
const LOCK_TRUTH = join(CORPUS, 'spack/content-hashes-all-pythons.json')
const HAVE = existsSync(BUNDLE) && existsSync(TRUTH)
if (!HAVE)
  console.warn(
    `spack package-hash corpus test skipped: ${BUNDLE} or ${TRUTH} is absent (../shared)`,
  )

interface Truth {
  dir: string
  blob: string
  spec: string
  package_hash: string
  canonical_source: string
  multimethods: boolean
}

/** The first line where two texts differ, for the report. */
function firstDifference(ours: string, want: string): string {
  const a = ours.split('\n')
  const b = want.split('\n')
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return `line ${i + 1}:\n    ours: ${JSON.stringify(a[i] ?? '<end>')}\n    want: ${JSON.stringify(b[i] ?? '<end>')}`
}

describe.skipIf(!HAVE)('Spack package hashes of the real recipes (needs ../shared/corpus)', () => {
  let work: string
  let repo: string
  let truth: Record<string, Truth>

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bc-spack-hash-'))
    repo = join(work, 'spack-packages')
    await run('git', ['clone', '--quiet', BUNDLE, repo])
    truth = (
      JSON.parse(gunzipSync(readFileSync(TRUTH)).toString('utf8')) as {
        packages: Record<string, Truth>
      }
    ).packages
  }, 120_000)
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('reproduces canonical_source and package_hash for at least 99 % of the 8,694 recipes', async () => {
    const git = await createGit(repo)
    const names = Object.keys(truth).sort()
    const oids = names.map((n) => (truth[n] as Truth).blob)
    const blobs = await git.readBlobs(oids)
    const failures: string[] = []
    let sameText = 0
    let sameHash = 0
    let multimethods = 0
    const t0 = performance.now()
    for (const name of names) {
      const t = truth[name] as Truth
      const file = `repos/spack_repo/builtin/packages/${t.dir}/package.py`
      const text = blobs.get(t.blob)!.toString('utf8')
      let ours: string
      try {
        ours = canonicalSource(text, file, hashSpecFromString(t.spec, `${name}: spec`)).text
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`)
        continue
      }
      if (t.multimethods) multimethods++
      if (ours === t.canonical_source) sameText++
      else failures.push(`${name} (${t.spec}) ${firstDifference(ours, t.canonical_source)}`)
      if (packageHashOf(ours) === t.package_hash) sameHash++
    }
    const ms = performance.now() - t0
    console.log(
      `spack package_hash: canonical_source identical for ${sameText}/${names.length}, ` +
        `package_hash equal for ${sameHash}/${names.length} (${multimethods} with @when methods); ` +
        `${(ms / 1000).toFixed(1)} s`,
    )
    for (const f of failures.slice(0, 8)) console.log(`  ${f}`)
    if (failures.length > 8) console.log(`  … and ${failures.length - 8} more`)
    expect(sameText / names.length).toBeGreaterThanOrEqual(0.99)
    expect(sameHash).toBe(sameText)
  }, 600_000)

  it('picks the spec Spack hashed: same version for at least 98 % of the packages', async () => {
    const git = await createGit(repo)
    const snap = await readSnapshot(git, await git.revParse('HEAD'))
    const { packages } = await readSpackPackages(snap, {
      recipeRoots: ['repos/spack_repo/builtin/packages'],
      buildSystems: 'repos/spack_repo/builtin/build_systems',
      isIgnored: () => false,
      cache: new MemoryBlobCache(),
    })
    let sameVersion = 0
    let sameSpec = 0
    const missing: string[] = []
    for (const [name, t] of Object.entries(truth)) {
      const pkg = packages.get(name)
      if (pkg === undefined) {
        missing.push(name)
        continue
      }
      const spec = defaultHashSpec(name, pkg.versions, pkg.variants)
      const want = hashSpecFromString(t.spec)
      if (spec.version === want.version) sameVersion++
      if (formatHashSpec(spec) === t.spec) sameSpec++
    }
    const n = Object.keys(truth).length
    console.log(
      `default spec: same version for ${sameVersion}/${n}, same spec string for ${sameSpec}/${n}` +
        (missing.length > 0 ? `; no package for ${missing.join(', ')}` : ''),
    )
    expect(missing).toEqual([])
    expect(sameVersion / n).toBeGreaterThanOrEqual(0.98)
  }, 600_000)

  it.skipIf(!existsSync(LOCK_TRUTH))(
    "composes the content hash of all 81 lock nodes as Spack does (= the lock's package_hash)",
    () => {
      const { nodes } = JSON.parse(readFileSync(LOCK_TRUTH, 'utf8')) as {
        nodes: Array<Record<string, unknown>>
      }
      expect(nodes.length).toBeGreaterThan(0)
      let equal = 0
      for (const node of nodes) {
        const packageHash = packageHashOf(node.canonical_source as string)
        expect(packageHash).toBe(node.package_hash)
        const content = contentHashOf(
          node.source_id as string,
          node.patches as string[],
          packageHash,
        )
        if (content === node.lock_package_hash) equal++
      }
      console.log(`lock nodes: content_hash equal to the lock's for ${equal}/${nodes.length}`)
      expect(equal).toBe(nodes.length)
    },
  )
})
