/**
 * Hostile names and contents stay inert (issue 10 §3). Every value of test/hostile-values.ts goes
 * through each way in: a manifest's versions and variant values, a Spack recipe's `version()`, its
 * directory name and a `depends_on()`, a spec request rendered as a GitLab child pipeline, and the
 * entries of both mirrors. Each is either refused in one line (exit 1, one stderr line naming the
 * field, the value escaped) or comes out inert: no spec id carries it, the GitHub matrix and job
 * variables hold only the safe character set, the YAML parses back to what was meant, nothing is
 * written outside the mirror directory and every OCI tag is a valid, distinct tag.
 *
 * The CLI (dist/cli.js) and the action (dist/index.js) are the bundles: run `npm run -s build`
 * first (as `npm test` does).
 */
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml, parseDocument } from 'yaml'
import { isUserError } from '../src/core/errors.js'
import { openMirror, type Mirror } from '../src/mirror/index.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'
import { HOSTILE_VALUES, INVISIBLE_CHAR, SAFE_OUTPUT, type HostileValue } from './hostile-values.js'
import { registrySkipReason, startRegistry, type Registry } from './support/registry.js'
import { ACTION, runAsRunner, runCli, type RunnerRun, type RunResult } from './support/run-dist.js'

const PKG = 'repos/spack_repo/t/packages'
const SPACK_CONFIG = `ecosystem: spack\nrecipes: ${PKG}\n`

let scratch: string
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'binary-check-hostile-'))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

const NO_BASE = 'binary-check: warning: no base commit given: comparing against the mirror only'

/** stderr without Node's own experimental-feature notices (not binary-check's output). */
function ownStderr(r: RunResult): string[] {
  return r.stderr
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('(node:') && !l.startsWith('(Use `node'))
    .filter((l) => l !== NO_BASE)
}

/** Exit 1 and exactly one stderr line, `binary-check: …`, naming `field`, every value escaped. */
function expectOneLineError(r: RunResult, field: string | RegExp): string {
  expect(r.code, r.stderr).toBe(1)
  const lines = ownStderr(r)
  expect(lines).toHaveLength(1)
  const line = lines[0]!
  expect(line).toMatch(/^binary-check: /)
  if (typeof field === 'string') expect(line).toContain(field)
  else expect(line).toMatch(field)
  expect(line).not.toMatch(INVISIBLE_CHAR)
  expect(line.length).toBeLessThan(600)
  return line
}

/** Every field of every matrix entry in the safe set, no GitHub expression anywhere. */
function expectSafeMatrix(matrix: { include: Array<Record<string, unknown>> }): void {
  for (const entry of matrix.include)
    for (const v of Object.values(entry)) if (typeof v === 'string') expect(v).toMatch(SAFE_OUTPUT)
  expect(JSON.stringify(matrix)).not.toContain('${{')
}

/** Whether a git tree can hold `value` as one path segment (not a file system: any length). */
const gitCanName = (value: string): boolean => !value.includes('/') && !value.includes('\u0000')

/** A Python string literal for `value` (JSON's escapes are Python's). */
const py = (value: string): string => JSON.stringify(value)

/** Commit `files` through the index only (paths no file system can hold are fine). */
async function commitTree(fx: GitFixture, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const oid = (await fx.gitInput(content, 'hash-object', '-w', '--stdin')).trim()
    await fx.git('update-index', '--add', '--cacheinfo', `100644,${oid},${path}`)
  }
  await fx.git('commit', '--quiet', '--no-verify', '-m', 'hostile')
}

/** A repository holding `files`, committed (through the index: any path git accepts). */
async function repo(files: Record<string, string>): Promise<GitFixture> {
  const fx = await createGitFixture()
  await commitTree(fx, files)
  return fx
}

function plan(fx: GitFixture, ...extra: string[]): Promise<RunResult> {
  return runCli(['plan', '--repo', fx.dir, '--no-cache', ...extra])
}

const RECIPE = (body: string) => `from spack.package import *


class Zlib(Package):
    version("1.0", sha256="aaaa")
${body}
    def install(self, spec, prefix):
        make("install")
`

/** Whether Spack's version grammar (and so binary-check's) refuses every value of the table. */
const refusedAsVersion = (_: HostileValue) => true
/** A variant value is free text: refused only with control/invisible characters, `${{` or > 1 KiB. */
const refusedAsValue = ({ value }: HostileValue) =>
  INVISIBLE_CHAR.test(value) || value.includes('${{') || value.length > 1024

describe.concurrent('the CLI (dist/cli.js plan)', () => {
  it.each(HOSTILE_VALUES)('a manifest version: $label is refused in one line', async (h) => {
    expect(refusedAsVersion(h)).toBe(true)
    const fx = await repo({
      '.binary-check.yml': `ecosystem: manifest
packages:
  lib:
    inputs: ["lib/**"]
    versions:
      ? ${JSON.stringify(h.value)}
      : {}
`,
      'lib/a.c': 'int a;\n',
    })
    try {
      // The value is shown quoted, escaped and cut: never its raw line breaks, NUL or RTL override.
      expectOneLineError(
        await plan(fx, '--base', 'HEAD', '--head', 'HEAD'),
        /packages\.lib\.versions: .*got "/,
      )
    } finally {
      await fx.cleanup()
    }
  })

  it.each(HOSTILE_VALUES)('a manifest package name: $label is refused in one line', async (h) => {
    const fx = await repo({
      '.binary-check.yml': `ecosystem: manifest
packages:
  ? ${JSON.stringify(h.value)}
  : { inputs: ["lib/**"], versions: { "1.0": {} } }
`,
      'lib/a.c': 'int a;\n',
    })
    try {
      expectOneLineError(await plan(fx, '--base', 'HEAD', '--head', 'HEAD'), /packages\./)
    } finally {
      await fx.cleanup()
    }
  })

  it.each(HOSTILE_VALUES)('a manifest variant value: $label is refused or inert', async (h) => {
    const fx = await repo({
      '.binary-check.yml': `ecosystem: manifest
packages:
  lib:
    inputs: ["lib/**"]
    versions: { "1.0": {} }
    variants: { opt: ${JSON.stringify(h.value)} }
`,
      'lib/a.c': 'int a;\n',
    })
    try {
      const r = await plan(fx, '--format', 'json')
      if (refusedAsValue(h)) {
        expectOneLineError(r, 'packages.lib.variants.opt: ')
        return
      }
      expect(r.code, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout)
      expect(out.specs.map((s: { id: string }) => s.id)).toEqual(['lib@1.0'])
      expectSafeMatrix(out.matrix)
    } finally {
      await fx.cleanup()
    }
  })

  it.each(HOSTILE_VALUES)(
    'a Spack recipe: $label as a version, a dependency and a directory name stays out of every id',
    async (h) => {
      const files: Record<string, string> = {
        '.binary-check.yml': SPACK_CONFIG,
        [`${PKG}/zlib/package.py`]: RECIPE(
          `    version(${py(h.value)}, sha256="bbbb")\n    depends_on(${py(h.value)})\n`,
        ),
      }
      // A directory of that name (where git can hold one: no `/`, no NUL) with a valid recipe.
      if (gitCanName(h.value)) files[`${PKG}/${h.value}/package.py`] = RECIPE('')
      const fx = await repo(files)
      try {
        const r = await plan(fx, '--format', 'json')
        expect(r.code, r.stderr).toBe(0)
        expect(ownStderr(r)).toEqual([])
        const out = JSON.parse(r.stdout)
        expect(out.specs.map((s: { id: string }) => s.id)).toEqual(['zlib@1.0'])
        expect(out.packages.map((p: { name: string }) => p.name)).toEqual(['zlib'])
        expectSafeMatrix(out.matrix)
        // The version is kept as code (so is a dependency whose spec does not parse), the reason
        // quoting it escaped and cut.
        const reasons: string[] = out.unresolved.map((u: { reason: string }) => u.reason)
        expect(reasons[0]).toMatch(/^version\(\): /)
        for (const reason of reasons) {
          expect(reason).not.toMatch(INVISIBLE_CHAR)
          expect(reason.length).toBeLessThan(300)
        }
      } finally {
        await fx.cleanup()
      }
    },
  )
})

/** Control and invisible characters but the line feed (a log has lines). */
const INVISIBLE_CHAR_OUTSIDE_NEWLINE = new RegExp(
  INVISIBLE_CHAR.source.replace('\\u000a-', '\\u000b-'),
)

describe('the action bundle (dist/index.js)', () => {
  let fx: GitFixture
  let r: RunnerRun

  beforeAll(async () => {
    // One repository with every hostile value: versions and dependencies of zlib, and a
    // directory of each name (where git can hold one) with a recipe.
    const body = HOSTILE_VALUES.map(
      (h) => `    version(${py(h.value)}, sha256="bbbb")\n    depends_on(${py(h.value)})\n`,
    ).join('')
    const files: Record<string, string> = {
      '.binary-check.yml': SPACK_CONFIG,
      [`${PKG}/zlib/package.py`]: RECIPE(body),
    }
    for (const h of HOSTILE_VALUES)
      if (gitCanName(h.value)) files[`${PKG}/${h.value}/package.py`] = RECIPE('')
    fx = await repo(files)
    const head = (await fx.git('rev-parse', 'HEAD')).trim()
    r = await runAsRunner(ACTION, {
      scratch,
      workspace: fx.dir,
      head,
      event: { name: 'push', payload: { before: '0'.repeat(40), after: head } },
    })
  })
  afterAll(async () => fx?.cleanup())

  it('plans, with only its own outputs and no injected workflow command', () => {
    expect(r.code, r.stdout + r.stderr).toBe(0)
    // Output names are the action's own (`matrix`, `wave-0`, …), none made of a value.
    for (const key of Object.keys(r.outputs)) expect(key).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/)
    expect(r.outputs).toHaveProperty('has-work', 'true')
    const matrix = JSON.parse(r.outputs.matrix!)
    expect(matrix.include.map((m: { spec: string }) => m.spec)).toEqual(['zlib@1.0'])
    expectSafeMatrix(matrix)
    for (const value of Object.values(r.outputs)) expect(value).not.toContain('${{')
    // The runner reads workflow commands from stdout: only warnings (the unresolved directives).
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('::'))
    expect(commands.length).toBeGreaterThan(0)
    for (const c of commands) expect(c).toMatch(/^::(warning|debug|notice)( |::)/)
    expect(r.stdout).not.toMatch(INVISIBLE_CHAR_OUTSIDE_NEWLINE)
    expect(r.summary).not.toMatch(INVISIBLE_CHAR_OUTSIDE_NEWLINE)
  })

  it.each(HOSTILE_VALUES)('$label: never printed raw', (h) => {
    // Quoted, escaped and cut wherever it shows (annotations, the summary): never as it is when
    // it holds a line break or an invisible character, never 10 kB long.
    if (INVISIBLE_CHAR.test(h.value) || h.value.length > 1000) {
      expect(r.stdout).not.toContain(h.value)
      expect(r.summary).not.toContain(h.value)
    }
  })
})

describe.concurrent('the GitLab child pipeline (plan --format gitlab)', () => {
  it.each(HOSTILE_VALUES)(
    'a spec request with $label is refused or parses back to itself',
    async (h) => {
      const bare = /^[A-Za-z0-9_\-+*.,:=/]+$/.test(h.value)
      const request = `lib opt=${bare ? h.value : `'${h.value}'`}`
      const fx = await repo({
        '.binary-check.yml': `ecosystem: manifest
specs: [${JSON.stringify(request)}]
packages:
  lib:
    inputs: ["lib/**"]
    versions: { "1.0": {} }
    variants: { opt: "none" }
`,
        'lib/a.c': 'int a;\n',
      })
      try {
        const [gitlab, json] = await Promise.all([
          plan(fx, '--format', 'gitlab', '--build-command', 'make'),
          plan(fx, '--format', 'json'),
        ])
        // A quoted value is never a safe job variable; a bare one of safe characters
        // (`../../etc/x`) is, as data.
        if (!bare || !SAFE_OUTPUT.test(h.value)) {
          expectOneLineError(
            gitlab,
            /^binary-check: (matrix entry|spec) "lib@1\.0 opt=.*has characters outside/,
          )
          return
        }
        expect(json.code, json.stderr).toBe(0)
        const building = JSON.parse(json.stdout).matrix.include.map((m: { spec: string }) => m.spec)
        const doc = parseDocument(gitlab.stdout)
        expect(doc.errors).toEqual([])
        const config = parseYaml(gitlab.stdout) as Record<string, Record<string, unknown>>
        const jobs = Object.keys(config).filter(
          (k) => !k.startsWith('.') && !['stages', 'variables', 'default', 'workflow'].includes(k),
        )
        for (const name of jobs)
          expect(name).toMatch(/^(build|record) [A-Za-z0-9._-]+$|^index$|^noop$/)
        const specs = jobs
          .filter((j) => j.startsWith('build '))
          .map((j) => (config[j]!.variables as Record<string, unknown>).BINARY_CHECK_SPEC)
        expect(specs).toEqual(building)
        for (const j of jobs)
          for (const v of Object.values((config[j]!.variables ?? {}) as Record<string, unknown>)) {
            expect(typeof v).toBe('string')
            expect(v).toMatch(SAFE_OUTPUT)
          }
      } finally {
        await fx.cleanup()
      }
    },
  )
})

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)))
  return out.sort()
}

const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`

/** Record each hostile value as a spec id, a package and a version; what was refused, by label. */
async function recordAll(mirror: Mirror, work: string): Promise<Map<string, string>> {
  const refused = new Map<string, string>()
  for (const [i, h] of HOSTILE_VALUES.entries()) {
    const artifactPath = join(work, `artifact-${i}`)
    await writeFile(artifactPath, `binary ${i}`)
    try {
      await mirror.record({
        entry: { spec: h.value, package: h.value, version: h.value, digest: digestOf(h.value) },
        artifactPath,
        now: new Date(Date.UTC(2024, 0, 1, 0, i)),
      })
    } catch (e) {
      if (!isUserError(e)) throw e
      refused.set(h.label, e.oneLine())
    }
  }
  return refused
}

/**
 * Claim a digest per hostile value, the value as the owner: refused exactly when it holds a
 * control or invisible character (it is printed back: `held by <owner>`), else read back as it is.
 */
async function claimAll(mirror: Mirror): Promise<void> {
  const now = new Date(Date.UTC(2024, 0, 1))
  for (const h of HOSTILE_VALUES) {
    const digest = digestOf(`claim ${h.value}`)
    const result = await mirror.claim!({ digest, owner: h.value, ttlMs: 3_600_000, now }).catch(
      (e: unknown) => e,
    )
    if (INVISIBLE_CHAR.test(h.value)) {
      expect(isUserError(result) && result.oneLine()).toMatch(
        /^claim: owner: expected text without control or invisible characters, got "/,
      )
      expect((result as { oneLine(): string }).oneLine()).not.toMatch(INVISIBLE_CHAR)
    } else expect(result).toMatchObject({ claimed: true, claim: { owner: h.value } })
  }
  const live = await mirror.tryReadClaims!(now)
  const owners = [...(live?.values() ?? [])].map((c) => c.owner).sort()
  expect(owners).toEqual(
    HOSTILE_VALUES.filter((h) => !INVISIBLE_CHAR.test(h.value))
      .map((h) => h.value)
      .sort(),
  )
}

/** Refused exactly when it holds a control or invisible character; the error says so, escaped. */
function expectRefusals(refused: ReadonlyMap<string, string>): void {
  for (const h of HOSTILE_VALUES) {
    const why = refused.get(h.label)
    if (!INVISIBLE_CHAR.test(h.value)) expect(why).toBeUndefined()
    else {
      expect(why).toMatch(
        /^record: entry\.spec: expected text without control or invisible characters/,
      )
      expect(why).not.toMatch(INVISIBLE_CHAR)
      expect(why!.length).toBeLessThan(300)
    }
  }
}

describe('the file mirror', () => {
  it('keeps every hostile spec id, package and version inside its directory, and reads them back', async () => {
    const root = await mkdtemp(join(scratch, 'file-'))
    const work = join(root, 'work')
    await mkdir(work)
    const dir = join(root, 'mirror')
    const mirror = openMirror(`file://${dir}`)
    const refused = await recordAll(mirror, work)
    expectRefusals(refused)
    // Nothing outside the mirror but the artifacts written for it.
    const files = await filesUnder(root)
    for (const f of files) expect(f).toMatch(/^(work|mirror)\//)
    for (const f of files.filter((x) => x.startsWith('mirror/entries/')))
      expect(f).toMatch(/^mirror\/entries\/[A-Za-z0-9._+@=-]+\.json$/)
    const index = await mirror.writeIndex()
    const accepted = HOSTILE_VALUES.filter((h) => !refused.has(h.label)).map((h) => h.value)
    expect(Object.keys(index.entries).sort()).toEqual([...accepted].sort())
    for (const spec of accepted) {
      const [entry] = await mirror.readHistory(spec)
      expect(entry?.spec).toBe(spec)
      expect(entry?.version).toBe(spec)
    }
  })

  it('takes claims whose owner is hostile only inside claims/, and reads each owner back', async () => {
    const root = await mkdtemp(join(scratch, 'claims-'))
    await claimAll(openMirror(`file://${join(root, 'mirror')}`))
    for (const f of await filesUnder(root))
      expect(f).toMatch(/^mirror\/claims\/[0-9a-f]{64}\.json$/)
  })
})

const registrySkip = registrySkipReason()
if (registrySkip) console.warn(`hostile OCI mirror test skipped: ${registrySkip}`)

describe.skipIf(registrySkip)('the oci:// mirror', () => {
  let registry: Registry
  beforeAll(async () => {
    registry = await startRegistry()
  })
  afterAll(async () => registry?.stop())

  it('names every hostile spec with a valid, distinct tag and reads each back', async () => {
    const work = await mkdtemp(join(scratch, 'oci-'))
    const url = `oci://${registry.host}/test/hostile`
    const mirror = openMirror(url, { registry: { claimSettleMs: 20, backoffBaseMs: 10 } })
    const refused = await recordAll(mirror, work)
    expectRefusals(refused)
    const listing = (await (await registry.request('/v2/test/hostile/tags/list')).json()) as {
      tags: string[]
    }
    const specTags = listing.tags.filter((t) => t !== 'binary-check-index')
    for (const tag of specTags) expect(tag).toMatch(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/)
    const accepted = HOSTILE_VALUES.filter((h) => !refused.has(h.label)).map((h) => h.value)
    // `&a` and `*a` sanitise alike (`_a-…`): the digest in the tag keeps them apart.
    expect(new Set(specTags).size).toBe(accepted.length)
    for (const spec of accepted) {
      const history = await mirror.readHistory(spec)
      expect(history.map((e) => e.spec)).toEqual([spec])
    }
    const index = await mirror.writeIndex()
    expect(Object.keys(index.entries).sort()).toEqual([...accepted].sort())
  })

  it('tags claims by digest whatever their owner, and reads each owner back', async () => {
    const mirror = openMirror(`oci://${registry.host}/test/hostile-claims`, {
      registry: { claimSettleMs: 20, backoffBaseMs: 10 },
    })
    await claimAll(mirror)
    const listing = (await (
      await registry.request('/v2/test/hostile-claims/tags/list')
    ).json()) as { tags: string[] }
    for (const tag of listing.tags) expect(tag).toMatch(/^binary-check-claim-[0-9a-f]{64}$/)
  })
})
