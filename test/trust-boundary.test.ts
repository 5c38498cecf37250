/**
 * Issue 10 §1: what comes from the untrusted side. The head commit's config gives the plan; the
 * execution-bearing fields (environment command and values, image lookups, the mirror) come from
 * the base commit's config when the head cannot be trusted. Checked through the bundled Action
 * and the bundled CLI on real git repositories, with a "foreign host" of the test's own that
 * records every request it gets (github.com is the only thing not real: the event payload is a
 * file the test writes).
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { validateConfig, type Config } from '../src/config/config-schema.js'
import { decideTrust, untrustedHead } from '../src/engine/trust-mode.js'
import { withTrustedExecution } from '../src/engine/trusted-config.js'
import { createGitFixture, type GitFixture } from './support/git-fixture.js'
import { ACTION, CLI, cleanEnv, runAsRunner, runNode } from './support/run-dist.js'

const config = (yaml: string): Config => {
  const r = validateConfig(parseYaml(yaml))
  if ('problems' in r) throw new Error(JSON.stringify(r.problems))
  return r.config
}

const prEvent = (from: string, to = 'org/repo') => ({
  eventName: 'pull_request',
  payload: {
    pull_request: {
      base: { sha: 'a'.repeat(40), repo: { full_name: to } },
      head: { sha: 'b'.repeat(40), repo: { full_name: from } },
    },
    repository: { full_name: to },
  },
})

describe('which side is trusted (pure)', () => {
  it.each([
    ['push', { eventName: 'push', payload: {} }, {}, 'head'],
    ['merge_group', { eventName: 'merge_group', payload: {} }, {}, 'head'],
    ['same-repository pull request', prEvent('org/repo'), {}, 'head'],
    ['fork pull request', prEvent('someone/repo'), {}, 'base'],
    [
      'pull request whose fork is gone',
      { eventName: 'pull_request', payload: { pull_request: { head: {} } } },
      {},
      'base',
    ],
    ['pull_request_target', { eventName: 'pull_request_target', payload: {} }, {}, 'base'],
    ['issue_comment', { eventName: 'issue_comment', payload: {} }, {}, 'base'],
    ['laptop', undefined, {}, 'head'],
    [
      'GitLab same-project merge request',
      undefined,
      { GITLAB_CI: 'true', CI_PROJECT_ID: '7', CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '7' },
      'head',
    ],
    [
      'GitLab merge request from a fork',
      undefined,
      { GITLAB_CI: 'true', CI_PROJECT_ID: '7', CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '9' },
      'base',
    ],
  ] as const)('%s → %s', (_what, event, env, trust) => {
    expect(decideTrust('auto', event, env).trust).toBe(trust)
  })

  it('trust: base always; trust: head on an untrusted event warns', () => {
    expect(decideTrust('base', { eventName: 'push', payload: {} }, {})).toEqual({
      trust: 'base',
      why: 'trust: base',
    })
    const d = decideTrust('head', { eventName: 'pull_request_target', payload: {} }, {})
    expect(d.trust).toBe('head')
    expect(d.warning).toMatch(/^trust: head on a pull_request_target event: /)
    expect(untrustedHead(prEvent('org/repo'), {})).toBeUndefined()
  })
})

describe('the config split (pure)', () => {
  const trusted = config(`
ecosystem: manifest
mirror: file:///srv/mirror
environment: { env: [CC], files: [ci/*.env] }
containers:
  - { when: "os=a", image: "ghcr.io/org/build:1", environment: { image: true } }
packages: { lib: { versions: { "1.0": {} } } }
`)
  it('keeps the head plan and the trusted execution-bearing fields, saying what it ignored', () => {
    const head = config(`
ecosystem: manifest
mirror: oci://evil.example/steal
specs: [lib]
deptypes: [link]
environment: { env: [CC, AWS_SECRET_ACCESS_KEY], files: [ci/*.env, ci/x], command: [sh, -c, id] }
containers:
  - { when: "os=a", image: "ghcr.io/org/build:2", environment: { command: [curl, evil] } }
  - { when: "os=b", image: "evil.example/img:1" }
packages: { lib: { versions: { "2.0": {} } } }
`)
    const { config: merged, ignored } = withTrustedExecution(head, trusted)
    expect(merged.mirror).toBe('file:///srv/mirror')
    expect(merged.specs).toEqual(['lib'])
    expect(merged.deptypes).toEqual(['link'])
    expect(Object.keys(merged.packages!.lib!.versions)).toEqual(['2.0'])
    expect(merged.environment).toEqual({
      files: ['ci/*.env', 'ci/x'],
      env: ['CC'],
      optionalEnv: [],
    })
    // a bumped tag keeps its entry's trusted settings; ghcr.io is named by the trusted config
    expect(merged.containers[0]).toEqual({
      when: 'os=a',
      image: 'ghcr.io/org/build:2',
      environment: { files: [], env: [], optionalEnv: [], image: true },
    })
    expect(merged.containers[1]!.environment).toBeUndefined()
    expect(ignored).toEqual([
      'ignored: mirror changed by the head commit',
      'ignored: environment.command changed by the head commit',
      'ignored: environment.env changed by the head commit',
      'ignored: containers.0.environment.command changed by the head commit',
      // (the head's entry drops the trusted `image: true`: that is ignored too)
      'ignored: containers.0.environment.image changed by the head commit',
    ])
  })

  it('an image on a registry the trusted config does not name is not looked up', () => {
    const head = config(`
ecosystem: manifest
environment: { image: true }
containers:
  - { when: "os=a", image: "ghcr.io/org/build:1" }
  - { when: "os=b", image: "evil.example:5000/img:1" }
packages: { lib: { versions: { "1.0": {} } } }
`)
    const withImage = config(`
ecosystem: manifest
environment: { image: true }
containers:
  - { when: "os=a", image: "ghcr.io/org/build:1" }
packages: { lib: { versions: { "1.0": {} } } }
`)
    const { config: merged, ignored } = withTrustedExecution(head, withImage)
    expect(merged.containers[0]!.environment).toBeUndefined()
    expect(merged.containers[1]!.environment?.image).toBe(false)
    expect(ignored).toEqual([
      'ignored: containers.1.image "evil.example:5000/img:1" is on evil.example:5000 that the trusted config names for no container: its digest is not resolved',
    ])
  })

  it('without a trusted config nothing execution-bearing is used', () => {
    const head = config(`
ecosystem: manifest
mirror: file:///x
environment: { command: [id], files: [a] }
packages: { lib: { versions: { "1.0": {} } } }
`)
    const { config: merged, ignored } = withTrustedExecution(head, undefined)
    expect(merged.mirror).toBeUndefined()
    expect(merged.environment).toEqual({ files: ['a'], env: [], optionalEnv: [] })
    expect(ignored).toHaveLength(2)
  })
})

/** A registry-shaped server of the test's own on a host no config trusts: counts every request. */
async function startForeignHost(): Promise<{
  host: string
  requests: string[]
  stop(): Promise<void>
}> {
  const requests: string[] = []
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`)
    if (req.method === 'HEAD' && /\/manifests\//.test(req.url ?? '')) {
      res.writeHead(200, {
        'docker-content-digest': `sha256:${'0'.repeat(64)}`,
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
      })
      return res.end()
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'unknown' }] }))
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const address = server.address()
  const host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return {
    host,
    requests,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}

describe('a pull request that edits the config (bundled Action and CLI)', () => {
  let fx: GitFixture
  let temp: string
  let foreign: Awaited<ReturnType<typeof startForeignHost>>
  let base: string
  let head: string
  let marker: string
  let trustedMirror: string

  const baseConfig = () => `ecosystem: manifest
specs: [lib]
mirror: file://${trustedMirror}
packages:
  lib:
    inputs: ["lib/**"]
    versions: { "1.0": {} }
`

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'binary-check-trust-'))
    foreign = await startForeignHost()
    marker = join(temp, 'the-command-ran')
    trustedMirror = join(temp, 'trusted-mirror')
    fx = await createGitFixture({ '.binary-check.yml': baseConfig(), 'lib/a.c': 'int a;\n' })
    base = (await fx.git('rev-parse', 'HEAD')).trim()
    await fx.write('lib/a.c', 'int a = 1;\n')
    await fx.write(
      '.binary-check.yml',
      `${baseConfig().replace(`file://${trustedMirror}`, `oci://${foreign.host}/stolen`)}environment:
  command: ["sh", "-c", "touch ${marker}"]
containers:
  - when: "lib"
    image: "${foreign.host}/evil/builder:1"
    environment: { image: true }
`,
    )
    head = await fx.commit('fork: edit the config')
  })
  afterAll(async () => {
    await foreign?.stop()
    await fx?.cleanup()
    await rm(temp, { recursive: true, force: true })
  })

  const runAction = (
    payload: unknown,
    inputs: Record<string, string> = {},
    name = 'pull_request',
  ) =>
    runAsRunner(ACTION, {
      scratch: temp,
      workspace: fx.dir,
      head,
      event: { name, payload },
      inputs,
    })
  const pullRequest = (from: string) => ({
    pull_request: {
      base: { sha: base, repo: { full_name: 'org/repo' } },
      head: { sha: head, repo: { full_name: from } },
    },
    repository: { full_name: 'org/repo' },
  })
  const reset = async () => {
    foreign.requests.length = 0
    await rm(marker, { force: true })
  }

  it('from a fork: the command does not run, no foreign host is contacted, the summary says why', async () => {
    await reset()
    const r = await runAction(pullRequest('someone/repo'))
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(existsSync(marker)).toBe(false)
    expect(foreign.requests).toEqual([])
    expect(r.summary).toContain('ignored: environment.command changed by the head commit')
    expect(r.summary).toContain('ignored: mirror changed by the head commit')
    expect(r.summary).toContain(
      'ignored: containers.0.environment.image changed by the head commit',
    )
    // (with the head's `image: true` ignored, the foreign image is never looked up)
    // the plan went on, against the trusted mirror
    expect(r.stdout).toContain(`mirror file://${trustedMirror} has no index yet`)
    expect(r.outputs['rebuild-count']).toBe('1')
  })

  it('the same pull request from the repository itself is trusted: the command runs (the check is live)', async () => {
    await reset()
    const r = await runAction(pullRequest('org/repo'))
    expect(r.code).toBe(0)
    expect(existsSync(marker)).toBe(true)
    expect(foreign.requests.length).toBeGreaterThan(0)
  })

  it("trust: base on a push takes the base commit's settings too", async () => {
    await reset()
    const r = await runAction({ before: base, after: head }, { trust: 'base' }, 'push')
    expect(r.code).toBe(0)
    expect(existsSync(marker)).toBe(false)
    expect(foreign.requests).toEqual([])
  })

  it('a GitLab merge request from a fork (the CLI, --format gitlab): same boundary, trusted mirror in the record jobs', async () => {
    await reset()
    const out = join(temp, 'child.yml')
    const env = cleanEnv({
      GITLAB_CI: 'true',
      CI_PROJECT_ID: '100',
      CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '200',
    })
    const r = await runNode(
      CLI,
      [
        'plan',
        '--repo',
        fx.dir,
        '--base',
        base,
        '--head',
        head,
        '--no-cache',
        '--format',
        'gitlab',
        '--build-command',
        'make',
        '--output',
        out,
      ],
      { cwd: fx.dir, env },
    )
    expect(r.code).toBe(0)
    expect(existsSync(marker)).toBe(false)
    expect(foreign.requests).toEqual([])
    expect(r.stderr).toContain(
      'binary-check: warning: ignored: environment.command changed by the head commit',
    )
    const child = await readFile(out, 'utf8')
    // the mirror the record and index jobs write is the trusted one (the build image is the
    // head's: which image builds a spec is part of the plan)
    expect(parseYaml(child)['.binary-check-cli'].variables.BINARY_CHECK_MIRROR).toBe(
      `file://${trustedMirror}`,
    )
    expect(child).not.toContain(`${foreign.host}/stolen`)
  })

  it('a --config outside the repository is trusted whole, whatever the event', async () => {
    await reset()
    const outside = join(temp, 'outside.yml')
    await writeFile(
      outside,
      `${baseConfig()}environment:\n  command: ["sh", "-c", "touch ${marker}"]\n`,
    )
    const r = await runAction(pullRequest('someone/repo'), { config: outside })
    expect(r.code).toBe(0)
    expect(existsSync(marker)).toBe(true)
    expect(r.summary).not.toContain('ignored:')
  })
})
