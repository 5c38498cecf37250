/**
 * The bundled CLI (dist/cli.js) end to end: plan formats, help and usage errors, and every kind of
 * bad input giving one clear line and exit 1, with nothing written to the mirror.
 */
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GitFixture } from './support/git-fixture.js'
import { runCli } from './support/run-dist.js'
import { CONFIG, createSpackFixture, PKG, ZLIB } from './support/spack-fixture.js'

let fx: GitFixture
let base: string
let head: string
let scratch: string

beforeAll(async () => {
  fx = await createSpackFixture()
  base = (await fx.git('rev-parse', 'HEAD')).trim()
  await fx.write(`${PKG}/zlib/package.py`, ZLIB.replace('sha256="aaaa"', 'sha256="aaab"'))
  head = await fx.commit('zlib 1.3.1 checksum')
  scratch = await mkdtemp(join(tmpdir(), 'binary-check-cli-'))
})
afterAll(async () => {
  await fx.cleanup()
  await rm(scratch, { recursive: true, force: true })
})

function expectOneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(1)
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^binary-check: /)
  expect(lines[0]).toMatch(pattern)
  expect(r.stderr).not.toMatch(/\n\s+at /)
}

describe('binary-check plan (dist/cli.js)', () => {
  it('writes the JSON plan (binary-check/plan@1) with the matrix', async () => {
    const r = await runCli([
      'plan',
      '--repo',
      fx.dir,
      '--base',
      base,
      '--head',
      head,
      '--format',
      'json',
      '--no-cache',
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const plan = JSON.parse(r.stdout)
    expect(plan.schema).toBe('binary-check/plan@1')
    expect(plan.base).toBe(base)
    expect(plan.head).toBe(head)
    expect(plan.changedFiles).toEqual([{ status: 'M', path: `${PKG}/zlib/package.py` }])
    expect(plan.matrix.include.map((m: { spec: string }) => m.spec)).toEqual([
      'zlib@1.3.1',
      'libfoo@1.0',
      'libfoo@2.0',
      'libfoo@2.0+cuda',
      'app@1.0',
    ])
    expect(plan.matrix.include[0]).toEqual({
      spec: 'zlib@1.3.1',
      package: 'zlib',
      version: '1.3.1',
      compiler: '',
      os: '',
      container: '',
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      wave: 0,
      lock: plan.matrix.include[0].digest,
    })
    expect(plan.summary).toMatchObject({ rebuild: 5, new: 0, upToDate: 5, waves: 3 })
  })

  it('prints a human table with --format text, and writes --output', async () => {
    const out = join(scratch, 'plan.txt')
    const r = await runCli([
      'plan',
      '--repo',
      fx.dir,
      '--base',
      base,
      '--head',
      head,
      '--output',
      out,
      '--no-cache',
    ])
    expect(r.code).toBe(0)
    const text = await readFile(out, 'utf8')
    expect(text.split('\n')[0]).toMatch(
      /^5 specs to build — head [0-9a-f]{12} against base [0-9a-f]{12}$/,
    )
    expect(text).toMatch(/^0 +rebuild +zlib@1\.3\.1 +source of 1\.3\.1: checksum aaaa → aaab$/m)
    expect(text).toMatch(
      /^2 +rebuild +app@1\.0 +dependency libfoo@2\.0 \(via zlib@1\.3\.1\): source of 1\.3\.1: checksum aaaa → aaab$/m,
    )
  })

  it('a cache directory that cannot be written: one warning line, the same plan, exit 0', async () => {
    const args = ['plan', '--repo', fx.dir, '--base', base, '--head', head, '--format', 'json']
    const fresh = await runCli([...args, '--no-cache'])
    const blocker = join(scratch, 'a-file')
    await writeFile(blocker, 'not a directory\n')
    const r = await runCli([...args, '--cache-dir', join(blocker, 'cache')])
    expect(r.code).toBe(0)
    const lines = r.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^binary-check: warning: could not write the cache in .*a-file\/cache: ENOTDIR: .* \(the plan is unaffected; the next run digests again\)$/,
    )
    expect(r.stdout).toBe(fresh.stdout)
  })

  it('plans the uncommitted working tree with --head WORKTREE', async () => {
    await fx.write(
      `${PKG}/cmake/package.py`,
      (await readFile(join(fx.dir, PKG, 'cmake/package.py'), 'utf8')).replace(
        'make("install")',
        'make("install", "V=1")',
      ),
    )
    try {
      const r = await runCli([
        'plan',
        '--repo',
        fx.dir,
        '--head',
        'WORKTREE',
        '--format',
        'json',
        '--no-cache',
      ])
      expect(r.code).toBe(0)
      const plan = JSON.parse(r.stdout)
      expect(plan.base).toBe(head)
      expect(plan.head).toBe('WORKTREE')
      expect(plan.matrix.include.map((m: { spec: string }) => m.spec).sort()).toEqual([
        'app@1.0',
        'cmake@3.31.0',
        'libfoo@1.0',
        'libfoo@2.0',
        'libfoo@2.0+cuda',
      ])
      // the committed tree is unaffected
      const committed = await runCli([
        'plan',
        '--repo',
        fx.dir,
        '--base',
        head,
        '--head',
        head,
        '--format',
        'json',
        '--no-cache',
      ])
      expect(JSON.parse(committed.stdout).matrix.include).toEqual([])
    } finally {
      await fx.git('checkout', '--', `${PKG}/cmake/package.py`)
    }
  })

  it('explains a spec: its digest tree and what differs', async () => {
    const r = await runCli([
      'explain',
      'zlib@1.3.1',
      '--repo',
      fx.dir,
      '--base',
      base,
      '--head',
      head,
      '--no-cache',
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^zlib@1\.3\.1 {2}\[rebuild\]$/m)
    expect(r.stdout).toMatch(/^ {2}source {10}1\.3\.1 checksum=aaab$/m)
    expect(r.stdout).toMatch(/^ {2}differs {9}source of 1\.3\.1: checksum aaaa → aaab$/m)
    const j = await runCli([
      'explain',
      'app',
      '--repo',
      fx.dir,
      '--base',
      base,
      '--head',
      head,
      '--format',
      'json',
      '--no-cache',
    ])
    const [e] = JSON.parse(j.stdout)
    expect(e.spec).toBe('app@1.0')
    expect(Object.keys(e.inputs.dependencies).sort()).toEqual(['cmake@3.31.0', 'libfoo@2.0'])
    expect(e.differences[0]).toMatchObject({ kind: 'dependency', dependency: 'libfoo@2.0' })
  })

  it('answers --help on every command, and usage errors with exit 2', async () => {
    for (const cmd of ['plan', 'explain', 'record', 'index']) {
      const r = await runCli([cmd, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`^Usage: binary-check ${cmd}`))
    }
    expect((await runCli(['--help'])).code).toBe(0)
    const bad = await runCli(['plan', '--frobnicate'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^binary-check: Unknown option '--frobnicate'/)
    expect((await runCli(['deploy'])).code).toBe(2)
    expect((await runCli(['plan', '--repo', fx.dir, '--format', 'yaml'])).code).toBe(2)
  })
})

describe('bad input: one line naming the place, exit 1, nothing written', () => {
  async function planWith(
    files: Record<string, string | null>,
    extra: string[] = [],
  ): Promise<{ code: number; stderr: string; stdout: string }> {
    const bad = await createSpackFixture()
    try {
      for (const [p, c] of Object.entries(files)) {
        if (c === null) await bad.remove(p)
        else await bad.write(p, c)
      }
      await bad.commit('bad input')
      return await runCli(['plan', '--repo', bad.dir, '--no-cache', ...extra])
    } finally {
      await bad.cleanup()
    }
  }

  const brokenZlib = ZLIB.replace(
    'def install(self, spec, prefix):',
    'def install(self, spec, prefix)',
  )

  it('a recipe with a Python syntax error that the range introduced', async () => {
    const r = await planWith({ [`${PKG}/zlib/package.py`]: brokenZlib }, ['--base', 'HEAD~1'])
    expectOneLineError(
      r,
      new RegExp(`^binary-check: ${PKG}/zlib/package.py:\\d+: Python syntax error`),
    )
  })

  it('a recipe with a Python syntax error, unchanged or first plan: a warning, --strict: error', async () => {
    const warned = await planWith({ [`${PKG}/zlib/package.py`]: brokenZlib }, ['--format', 'json'])
    expect(warned.code).toBe(0)
    const plan = JSON.parse(warned.stdout) as { unreadable: Array<{ path: string }> }
    expect(plan.unreadable.map((u) => u.path)).toEqual([`${PKG}/zlib/package.py`])
    expect(warned.stderr).toMatch(/package\.py:\d+: Python syntax error: .*: unreadable/)
    const strict = await planWith({ [`${PKG}/zlib/package.py`]: brokenZlib }, ['--strict'])
    expectOneLineError(
      strict,
      new RegExp(
        `^binary-check: ${PKG}/zlib/package.py:\\d+: Python syntax error.*\\(--strict: an unreadable file\\)$`,
      ),
    )
  })

  it('an unknown directive argument: kept as code, an error with --strict', async () => {
    const files = {
      [`${PKG}/zlib/package.py`]: ZLIB.replace(
        'variant("shared", default=True,',
        'variant("shared", default=True, flavour="x",',
      ),
    }
    const kept = await planWith(files, ['--format', 'json'])
    expect(kept.code).toBe(0)
    expect((JSON.parse(kept.stdout) as { unresolved: unknown[] }).unresolved).toEqual([
      expect.objectContaining({ reason: "variant(): unknown argument 'flavour'" }),
    ])
    const r = await planWith(files, ['--strict'])
    expectOneLineError(
      r,
      new RegExp(
        `^binary-check: ${PKG}/zlib/package.py:\\d+: variant\\(\\): unknown argument 'flavour' \\(--strict: a directive kept as code\\)$`,
      ),
    )
  })

  it('an invalid spec string in the config', async () => {
    const r = await planWith({
      '.binary-check.yml': CONFIG.replace('  - cmake\n', '  - "cmake@@3"\n'),
    })
    expectOneLineError(r, /invalid spec "cmake@@3" at column \d+/)
  })

  it('a config with a wrong type', async () => {
    const r = await planWith({ '.binary-check.yml': `${CONFIG}deptypes: link\n` })
    expectOneLineError(
      r,
      /^binary-check: \.binary-check\.yml: deptypes: expected array, got string "link"$/,
    )
  })

  it('a config with an unknown field and a wrong enum value', async () => {
    const r = await planWith({ '.binary-check.yml': `${CONFIG}deptype: [link]\n` })
    expectOneLineError(r, /^binary-check: \.binary-check\.yml: \(root\): unknown field "deptype"$/)
    const e = await planWith({
      '.binary-check.yml': CONFIG.replace('ecosystem: spack', 'ecosystem: conda'),
    })
    expectOneLineError(
      e,
      /^binary-check: \.binary-check\.yml: ecosystem: expected one of "spack", "manifest", "fromager", got string "conda"$/,
    )
  })

  it('a base SHA that does not exist', async () => {
    const r = await runCli([
      'plan',
      '--repo',
      fx.dir,
      '--base',
      '0123456789abcdef0123456789abcdef01234567',
      '--no-cache',
    ])
    expectOneLineError(r, /0123456789abcdef0123456789abcdef01234567/)
  })

  it('a corrupt mirror index, and nothing is written to the mirror', async () => {
    const mirror = join(scratch, 'corrupt-mirror')
    await mkdir(mirror, { recursive: true })
    await writeFile(
      join(mirror, 'index.json'),
      '{"schema":"binary-check/index@1","checksum":"sha256:00","entries":{',
    )
    const before = await readdir(mirror, { recursive: true })
    const r = await runCli(['plan', '--repo', fx.dir, '--mirror', `file://${mirror}`, '--no-cache'])
    expectOneLineError(r, /index\.json/)
    expect(await readdir(mirror, { recursive: true })).toEqual(before)
  })

  it('a lockfile of an unknown version', async () => {
    const lock = JSON.stringify({
      _meta: { 'file-type': 'spack-lockfile', 'lockfile-version': 99 },
      roots: [],
      concrete_specs: {},
    })
    const r = await planWith({
      'spack.lock': lock,
      '.binary-check.yml': `${CONFIG.replace(/specs:\n(?: {2}- .*\n)+/, '')}lockfile: spack.lock\n`,
    })
    expectOneLineError(r, /^binary-check: spack\.lock: unsupported lockfile version 99/)
  })

  it('requests that cannot be unified (concretizer.unify: true)', async () => {
    const r = await planWith({
      '.binary-check.yml': CONFIG.replace('{ unify: false }', '{ unify: true }'),
    })
    expectOneLineError(
      r,
      /^binary-check: concretizer\.unify: specs\.0 "zlib@1\.3\.1" and specs\.1 "zlib@1\.2\.13" cannot be unified: no single zlib satisfies both \(set concretizer\.unify to when_possible or false/,
    )
  })

  it('a patch file that does not exist', async () => {
    const r = await planWith({ [`${PKG}/zlib/old.patch`]: null })
    expectOneLineError(
      r,
      new RegExp(
        `^binary-check: ${PKG}/zlib/package.py:\\d+: patch file "old.patch" does not exist`,
      ),
    )
  })
})
