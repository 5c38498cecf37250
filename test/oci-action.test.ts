/**
 * The record sub-action (dist/record.js) against an `oci://` mirror behind htpasswd: the
 * `registry-username` / `registry-password` inputs, the password masked (`::add-mask::`) before
 * anything else is printed, and a wrong password failing in one line without it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText } from '../src/core/canonical-encode.js'
import { openMirror } from '../src/mirror/index.js'
import { parseGithubOutput } from './support/github-output.js'
import { registrySkipReason, startRegistry, type Registry } from './support/registry.js'
import { cleanEnv, PROJECT_ROOT, runNode } from './support/run-dist.js'
import { scaleTimeouts } from './support/load.js'

scaleTimeouts('oci-action')

const RECORD = join(PROJECT_ROOT, 'dist/record.js')
const USER = 'builder'
const PASSWORD = 'S3cr3t-registry-pw'

const skip = registrySkipReason(['htpasswd'])
if (skip) console.warn(`oci-action tests skipped: ${skip}`)

let registry: Registry
let work: string

beforeAll(async () => {
  if (skip) return
  registry = await startRegistry({ auth: 'htpasswd', users: { [USER]: PASSWORD } })
  work = await mkdtemp(join(tmpdir(), 'binary-check-oci-action-'))
})
afterAll(async () => {
  await registry?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

async function runRecord(password: string) {
  const output = join(work, `output-${Math.random()}`)
  await writeFile(output, '')
  const artifact = join(work, 'zlib.tar.gz')
  await writeFile(artifact, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]))
  const inputs: Record<string, string> = {
    mirror: `oci://${registry.host}/ci/binaries`,
    spec: 'zlib@1.3.1',
    digest: digestText('zlib'),
    artifact,
    package: 'zlib',
    version: '1.3.1',
    'registry-username': USER,
    'registry-password': password,
  }
  const r = await runNode(RECORD, [], {
    cwd: work,
    env: cleanEnv({
      GITHUB_OUTPUT: output,
      GITHUB_WORKSPACE: work,
      ...Object.fromEntries(
        Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
      ),
    }),
  })
  return { ...r, outputs: parseGithubOutput(await readFile(output, 'utf8')) }
}

describe.skipIf(skip)('record sub-action with registry credentials', () => {
  it('records with the inputs, masking the password first', async () => {
    const r = await runRecord(PASSWORD)
    expect(r.stdout.split('\n')[0]).toBe(`::add-mask::${PASSWORD}`)
    expect(r.stdout.split('\n').slice(1).join('\n')).not.toContain(PASSWORD)
    expect(r.outputs.recorded).toBe('1')
    const mirror = openMirror(`oci://${registry.host}/ci/binaries`, {
      registry: { env: {}, credentials: { username: USER, password: PASSWORD } },
    })
    const entry = await mirror.tryReadEntry('zlib@1.3.1')
    expect(entry?.artifact.path).toMatch(/^blobs\/sha256:[0-9a-f]{64}$/)
    const tag = `zlib-1.3.1-${digestText('zlib').slice(7, 23)}`
    const manifest = (await (
      await registry.request(`/v2/ci/binaries/manifests/${tag}`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
    ).json()) as { layers: Array<{ mediaType: string }> }
    // a gzip file: the tar+gzip layer type
    expect(manifest.layers[0]!.mediaType).toBe('application/vnd.binary-check.artifact.v1.tar+gzip')
  })

  it('a wrong password fails in one line that does not contain it', async () => {
    const r = await runRecord('not-the-password')
    expect(r.code).toBe(1)
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'))
    expect(errors).toEqual([
      `::error::binary-check record: ${registry.host}/ci/binaries: read of manifest zlib-1.3.1-${digestText('zlib').slice(7, 23)} failed (HTTP 401: authentication as "${USER}" refused)`,
    ])
    expect(r.stdout.split('\n').slice(1).join('\n')).not.toContain('not-the-password')
  })
})
