/**
 * The GitLab CI/CD component (gitlab-component/templates/plan/template.yml): its `spec: inputs`
 * header and its jobs valid against GitLab's CI schema, one document at a time; every input typed,
 * described, defaulted, used and documented; inputs reaching the script only through variables;
 * the plan job keeping only child.yml; the trigger job's shape (gitlab-ci-local ignores
 * `strategy: depend`, so it is checked here). Also the example pipeline in examples/gitlab/.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  GITLAB_SCHEMA_PRESENT,
  gitlabSchemaErrors,
  SKIP_MESSAGE,
  yamlDocuments,
} from './support/gitlab-schema.js'
import { PROJECT_ROOT } from './support/run-dist.js'

const exec = promisify(execFile)
const COMPONENT = join(PROJECT_ROOT, 'gitlab-component')

interface Input {
  type: string
  description: string
  default: unknown
}
type Job = Record<string, unknown> & {
  variables: Record<string, string | number | { value: string; expand: boolean }>
  script: string[]
}

const text = await readFile(join(COMPONENT, 'templates/plan/template.yml'), 'utf8')
const [header, body] = yamlDocuments(text) as [
  { spec: { inputs: Record<string, Input> } },
  Record<string, Job>,
]
const inputs = header.spec.inputs

describe('the component template', () => {
  it('has two documents, each valid against GitLab’s CI schema', () => {
    expect(yamlDocuments(text)).toHaveLength(2)
    if (!GITLAB_SCHEMA_PRESENT) return console.warn(SKIP_MESSAGE)
    expect(gitlabSchemaErrors(header)).toEqual([])
    expect(gitlabSchemaErrors(body)).toEqual([])
  })

  it('declares each input with a type, a description and a default', async () => {
    expect(Object.keys(inputs)).toEqual([
      'stage',
      'image',
      'config',
      'base',
      'head',
      'mirror',
      'trust',
      'build-script',
      'build-command',
      'build-image',
      'record-image',
      'max-needs',
      'max-jobs',
      'cli-version',
      'cli-package',
    ])
    for (const [name, input] of Object.entries(inputs)) {
      expect(['string', 'number'], name).toContain(input.type)
      expect(input.description.length, name).toBeGreaterThan(20)
      expect(input.description.length, name).toBeLessThanOrEqual(1024)
      expect(typeof input.default, name).toBe(input.type)
    }
    expect(inputs.image!.default).toBe('node:24')
    expect(inputs['record-image']!.default).toBe('node:24')
    expect(inputs['max-needs']!.default).toBe(50)
    expect(inputs['max-jobs']!.default).toBe(500)
    const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8'))
    expect(inputs['cli-version']!.default).toBe(pkg.version)
  })

  it('uses every input, and inputs reach the script only as variables', () => {
    const used = [...text.matchAll(/\$\[\[ inputs\.([a-z-]+) \]\]/g)].map((m) => m[1])
    expect(new Set(used)).toEqual(new Set(Object.keys(inputs)))
    const plan = body['binary-check-plan']!
    expect(plan.script.join('\n')).not.toContain('$[[')
    // String inputs keep a `$` (a build command's "$BINARY_CHECK_SPEC") for the child pipeline.
    for (const [name, v] of Object.entries(plan.variables))
      if (typeof v === 'object') expect(v.expand, name).toBe(false)
  })

  it('plans with npx binary-check and keeps child.yml and the Markdown report', () => {
    const plan = body['binary-check-plan']!
    expect(plan.stage).toBe('$[[ inputs.stage ]]')
    expect(plan.image).toBe('$[[ inputs.image ]]')
    expect(plan.artifacts).toEqual({
      paths: ['child.yml', 'binary-check-report.md'],
      expose_as: 'binary-check report',
      expire_in: '1 week',
    })
    expect(plan.script.join('\n')).toContain('--report binary-check-report.md')
    expect(plan.script.join('\n')).toContain(
      'npx --yes --package="${BINARY_CHECK_CLI_PACKAGE:-binary-check@$BINARY_CHECK_CLI_VERSION}" binary-check "$@"',
    )
    expect(plan.script.join('\n')).toContain('--format gitlab --output child.yml')
  })

  it('triggers child.yml from the plan job’s artifact, mirroring its status', () => {
    expect(body['binary-check-build']).toEqual({
      stage: '$[[ inputs.stage ]]',
      needs: ['binary-check-plan'],
      trigger: {
        include: [{ artifact: 'child.yml', job: 'binary-check-plan' }],
        strategy: 'depend',
      },
    })
    expect(Object.keys(body)).toEqual(['binary-check-plan', 'binary-check-build'])
  })

  it('is documented: the README has a row per input with its type and default', async () => {
    const readme = await readFile(join(COMPONENT, 'README.md'), 'utf8')
    expect(readme).toContain('component: $CI_SERVER_FQDN/<group>/binary-check/plan@<version>')
    const rows = [...readme.matchAll(/^\| `([a-z-]+)` \| (\w+) \| `([^`]*)` \|/gm)].map((m) => [
      m[1],
      m[2],
      m[3],
    ])
    expect(rows).toEqual(
      Object.entries(inputs).map(([name, i]) => [
        name,
        i.type,
        i.default === '' ? "''" : String(i.default),
      ]),
    )
  })
})

describe('examples/gitlab', () => {
  it('has a valid pipeline and a build step that parses as shell', async () => {
    const example = yamlDocuments(
      await readFile(join(PROJECT_ROOT, 'examples/gitlab/.gitlab-ci.yml'), 'utf8'),
    )
    expect(example).toHaveLength(1)
    if (GITLAB_SCHEMA_PRESENT) expect(gitlabSchemaErrors(example[0])).toEqual([])
    await exec('sh', ['-n', join(PROJECT_ROOT, 'examples/gitlab/build-spec.sh')])
  })

  it('has a valid Spack build cache pipeline and a build step that parses as shell', async () => {
    const example = yamlDocuments(
      await readFile(join(PROJECT_ROOT, 'examples/gitlab/spack-buildcache.gitlab-ci.yml'), 'utf8'),
    )
    expect(example).toHaveLength(1)
    if (GITLAB_SCHEMA_PRESENT) expect(gitlabSchemaErrors(example[0])).toEqual([])
    expect(JSON.stringify(example[0])).toContain('spack+oci://$CI_REGISTRY_IMAGE/spack-cache')
    await exec('sh', ['-n', join(PROJECT_ROOT, 'examples/gitlab/spack-buildcache-build.sh')])
  })

  it('posts the report as one merge-request note, then updates it (against a fake GitLab API)', async () => {
    // GitLab itself cannot run here: a server of the test's own answers the notes API.
    const example = yamlDocuments(
      await readFile(
        join(PROJECT_ROOT, 'examples/gitlab/merge-request-note.gitlab-ci.yml'),
        'utf8',
      ),
    )
    expect(example).toHaveLength(1)
    if (GITLAB_SCHEMA_PRESENT) expect(gitlabSchemaErrors(example[0])).toEqual([])
    const job = (example[0] as Record<string, { script: string[]; variables: unknown }>)[
      'binary-check-note'
    ]!
    expect(job.variables).toEqual({ GIT_STRATEGY: 'none' })
    const notes: Array<{ id: number; body: string }> = []
    const seen: string[] = []
    const server = createServer((req, res) => {
      let data = ''
      req.on('data', (c: Buffer) => (data += c.toString()))
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['private-token']}`)
        const m = /\/notes\/(\d+)$/.exec(req.url ?? '')
        if (req.method === 'GET') return res.end(JSON.stringify(notes))
        const body = (JSON.parse(data) as { body: string }).body
        if (req.method === 'POST') notes.push({ id: notes.length + 1, body })
        else if (m) notes.find((n) => n.id === Number(m[1]))!.body = body
        res.end('{}')
      })
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const port = (server.address() as { port: number }).port
    const dir = await mkdtemp(join(tmpdir(), 'binary-check-note-'))
    try {
      const env = {
        ...process.env,
        CI_API_V4_URL: `http://127.0.0.1:${port}/api/v4`,
        CI_PROJECT_ID: '42',
        CI_MERGE_REQUEST_IID: '7',
        BINARY_CHECK_NOTE_TOKEN: 'glpat-test',
      }
      for (const verdict of ['3 specs to build', 'Nothing to rebuild']) {
        await writeFile(
          join(dir, 'binary-check-report.md'),
          `<!-- binary-check report -->\n### binary-check: ${verdict} $(id) \`x\`\n`,
        )
        await exec('sh', ['-c', job.script.join('\n')], { cwd: dir, env })
      }
    } finally {
      server.close()
      await rm(dir, { recursive: true, force: true })
    }
    expect(notes).toEqual([
      {
        id: 1,
        body: '<!-- binary-check report -->\n### binary-check: Nothing to rebuild $(id) `x`\n',
      },
    ])
    expect(seen.map((l) => l.replace(/\?.*? /, ' '))).toEqual([
      'GET /api/v4/projects/42/merge_requests/7/notes glpat-test',
      'POST /api/v4/projects/42/merge_requests/7/notes glpat-test',
      'GET /api/v4/projects/42/merge_requests/7/notes glpat-test',
      'PUT /api/v4/projects/42/merge_requests/7/notes/1 glpat-test',
    ])
  })
})
