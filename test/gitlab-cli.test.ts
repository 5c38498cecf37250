/**
 * `binary-check plan --format gitlab` through the bundled CLI (dist/cli.js) on a real git fixture:
 * the child pipeline it writes, the mirror from the config or --mirror, the build step from a file
 * or a command, and its usage errors.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { GitFixture } from './support/git-fixture.js'
import { GITLAB_SCHEMA_PRESENT, gitlabYamlErrors, SKIP_MESSAGE } from './support/gitlab-schema.js'
import { PROJECT_ROOT, runCli } from './support/run-dist.js'
import { createSpackFixture } from './support/spack-fixture.js'

let fx: GitFixture
let scratch: string
let mirrorUrl: string

beforeAll(async () => {
  fx = await createSpackFixture()
  scratch = await mkdtemp(join(tmpdir(), 'binary-check-gitlab-cli-'))
  mirrorUrl = `file://${join(scratch, 'mirror')}`
})
afterAll(async () => {
  await fx.cleanup()
  await rm(scratch, { recursive: true, force: true })
})

const BASE = ['plan', '--format', 'gitlab', '--no-cache'] as const

async function childPipeline(args: readonly string[]): Promise<{
  text: string
  config: Record<string, Record<string, unknown>>
}> {
  const out = join(scratch, `child-${Math.random().toString(36).slice(2)}.yml`)
  const r = await runCli([...BASE, '--repo', fx.dir, '--output', out, ...args])
  expect(r.stderr.replace(/^binary-check: warning: .*\n/gm, '')).toBe('')
  expect(r.code).toBe(0)
  const text = await readFile(out, 'utf8')
  return { text, config: parse(text) }
}

describe('plan --format gitlab (dist/cli.js)', () => {
  it('writes a valid child pipeline: a build and a record job per spec, then index', async () => {
    const script = join(scratch, 'build.sh')
    await writeFile(script, 'set -e\nif true; then\n  spack install "$BINARY_CHECK_SPEC"\nfi\n')
    const { text, config } = await childPipeline([
      '--mirror',
      mirrorUrl,
      '--build-script',
      script,
      '--record-image',
      'registry.example.com/node:24',
      '--cli-version',
      '9.9.9',
    ])
    if (GITLAB_SCHEMA_PRESENT) expect(gitlabYamlErrors(text)).toEqual([])
    else console.warn(SKIP_MESSAGE)
    const names = Object.keys(config).filter((k) => !k.startsWith('.') && k !== 'stages')
    expect(names.filter((n) => n.startsWith('build '))).toHaveLength(10)
    expect(names.filter((n) => n.startsWith('record '))).toHaveLength(10)
    expect(names.at(-1)).toBe('index')
    // The script file is one entry: its if/fi block stays whole.
    expect(config['.binary-check-build']!.script).toEqual([
      'mkdir -p binary-check-artifacts',
      'set -e\nif true; then\n  spack install "$BINARY_CHECK_SPEC"\nfi',
      expect.stringMatching(/^test -f "\$BINARY_CHECK_ARTIFACT"/),
    ])
    expect(config['.binary-check-cli']).toEqual({
      image: 'registry.example.com/node:24',
      variables: {
        GIT_STRATEGY: 'none',
        BINARY_CHECK_CLI: 'binary-check@9.9.9',
        BINARY_CHECK_MIRROR: mirrorUrl,
      },
    })
    // The config maps no fixture spec to a container and no --build-image is given: no `image:`
    // (the runner's default).
    for (const n of names.filter((x) => x.startsWith('build ')))
      expect(config[n]!.image).toBeUndefined()
  })

  it('defaults the CLI package to its own version; no mirror means build jobs only', async () => {
    const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8'))
    const withMirror = await childPipeline(['--mirror', mirrorUrl, '--build-command', 'make'])
    expect(withMirror.config['.binary-check-cli']!.variables).toMatchObject({
      BINARY_CHECK_CLI: `binary-check@${pkg.version}`,
    })
    const noMirror = await childPipeline([
      '--build-command',
      'make',
      '--build-image',
      'ubuntu:24.04',
    ])
    expect(noMirror.config.stages).toEqual(['build'])
    expect(Object.keys(noMirror.config).some((k) => k.startsWith('record '))).toBe(false)
    expect(noMirror.config.index).toBeUndefined()
    const zlib = Object.entries(noMirror.config).find(([k]) => k.startsWith('build zlib-1.3.1-'))!
    expect(zlib[1].image).toBe('ubuntu:24.04')
  })

  it('takes --cli-package over the version (a tarball, a fork)', async () => {
    const { config } = await childPipeline([
      '--mirror',
      mirrorUrl,
      '--build-command',
      'make',
      '--cli-package',
      '/tmp/binary-check-0.1.0.tgz',
    ])
    expect(config['.binary-check-cli']!.variables).toMatchObject({
      BINARY_CHECK_CLI: '/tmp/binary-check-0.1.0.tgz',
    })
  })

  it('treats empty option values as not given (a CI template passes every input)', async () => {
    const { config } = await childPipeline([
      '--build-script',
      '',
      '--build-command',
      'make',
      '--build-image',
      '',
      '--record-image',
      '',
      '--max-needs',
      '',
      '--cli-package',
      '',
    ])
    expect(Object.keys(config).filter((k) => k.startsWith('build '))).toHaveLength(10)
  })

  it('answers usage errors with exit 2', async () => {
    const cases: [string[], string][] = [
      [[], '--format gitlab needs one of --build-script FILE or --build-command CMD'],
      [
        ['--build-script', 'a.sh', '--build-command', 'make'],
        '--format gitlab needs one of --build-script FILE or --build-command CMD',
      ],
      [
        ['--build-command', 'make', '--max-needs', '51'],
        '--max-needs must be an integer from 1 to 50, got "51"',
      ],
      [
        ['--build-command', 'make', '--max-needs', '0'],
        '--max-needs must be an integer from 1 to 50, got "0"',
      ],
      [
        ['--build-command', 'make', '--max-jobs', '1e3'],
        '--max-jobs must be an integer of at least 2, got "1e3"',
      ],
    ]
    for (const [args, message] of cases) {
      const r = await runCli([...BASE, '--repo', fx.dir, ...args])
      expect(r.code).toBe(2)
      expect(r.stderr.split('\n')[0]).toBe(`binary-check: ${message}`)
    }
    const json = await runCli([
      'plan',
      '--repo',
      fx.dir,
      '--format',
      'json',
      '--build-command',
      'make',
    ])
    expect(json.code).toBe(2)
    expect(json.stderr.split('\n')[0]).toBe('binary-check: --build-command needs --format gitlab')
  })

  it('names an unreadable build script in one line, exit 1', async () => {
    const r = await runCli([...BASE, '--repo', fx.dir, '--build-script', 'no/such.sh'], {
      cwd: scratch,
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('binary-check: no/such.sh: cannot read the build script (ENOENT)\n')
  })
})
