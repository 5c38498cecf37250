/**
 * What `record` and `index` push is readable by a client nobody here wrote: skopeo, against a
 * local registry with htpasswd auth (`support/registry.ts`).
 *
 * - `skopeo inspect --raw` of a spec tag returns the manifest whose digest is the one recomputed
 *   from the recorded entry (`computeSpecManifest`), and the registry agrees
 *   (`Docker-Content-Digest`); its one layer is the artifact. (A plain `skopeo inspect` refuses
 *   manifests whose config is not an image config — ours is the entry — so its answer is only
 *   used when it gives one.)
 * - `skopeo copy` of the spec tag into a local `oci:` layout works; the layout's manifest digest
 *   is the same, and the copied layer blob's sha256 is the recorded artifact's, byte for byte the
 *   built file.
 * - `skopeo list-tags` lists the spec tags and the index tag; the index copied out with skopeo
 *   parses with a valid checksum and holds both entries.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestText } from '../src/core/canonical-encode.js'
import { parseIndex, type MirrorEntry } from '../src/mirror/index.js'
import { serializeCanonical } from '../src/mirror/mirror-index.js'
import { computeSpecTag, INDEX_TAG, MEDIA_TYPES } from '../src/mirror/oci/index.js'
import { computeSpecManifest, serializeManifest } from '../src/mirror/oci/manifests.js'
import { registrySkipReason, startRegistry, type Registry } from './support/registry.js'
import { cleanEnv, runCli } from './support/run-dist.js'
import { scaleTimeouts } from './support/load.js'

scaleTimeouts('oci-interop')

const skip = registrySkipReason(['htpasswd', 'skopeo'])
if (skip) console.warn(`oci-interop tests skipped: ${skip}`)

const USER = 'interop'
const PASSWORD = 'interop-secret'
const REPOSITORY = 'interop/binaries'

let registry: Registry
let work: string
/** skopeo's home and trust policy, so nothing of the machine's configuration leaks in. */
let skopeoHome: string
let policy: string

beforeAll(async () => {
  if (skip) return
  registry = await startRegistry({ auth: 'htpasswd', users: { [USER]: PASSWORD } })
  work = await mkdtemp(join(tmpdir(), 'binary-check-oci-interop-'))
  skopeoHome = join(work, 'home')
  policy = join(work, 'policy.json')
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }))
})
afterAll(async () => {
  await registry?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')

function skopeo(
  args: readonly string[],
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((done) => {
    execFile(
      'skopeo',
      ['--policy', policy, ...args],
      {
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
        env: { PATH: process.env.PATH, HOME: skopeoHome, XDG_RUNTIME_DIR: skopeoHome },
      },
      (error, stdout, stderr) =>
        done({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr: stderr.toString(),
        }),
    )
  })
}

const CREDS = () => ['--tls-verify=false', '--creds', `${USER}:${PASSWORD}`]
const SRC_CREDS = () => ['--src-tls-verify=false', '--src-creds', `${USER}:${PASSWORD}`]
const ref = (tag: string) => `docker://${registry.host}/${REPOSITORY}:${tag}`

interface Recorded {
  entry: MirrorEntry
  tag: string
  content: Buffer
  /** The manifest digest recomputed from the entry. */
  manifestDigest: string
}

const recorded: Recorded[] = []

/** `record` a built file through dist/cli.js, then read its entry back with `history`. */
async function recordArtifact(spec: string, content: Buffer, seed: string): Promise<Recorded> {
  const [pkg, version] = spec.split(' ')[0]!.split('@') as [string, string]
  const artifact = join(work, `${pkg}.artifact`)
  await writeFile(artifact, content)
  const digest = digestText(seed)
  const env = cleanEnv({
    BINARY_CHECK_REGISTRY_USER: USER,
    BINARY_CHECK_REGISTRY_PASSWORD: PASSWORD,
  })
  const mirror = `oci://${registry.host}/${REPOSITORY}`
  const r = await runCli(
    [
      'record',
      '--mirror',
      mirror,
      '--spec',
      spec,
      '--digest',
      digest,
      '--artifact',
      artifact,
      '--package',
      pkg,
      '--version',
      version,
      '--commit',
      'a'.repeat(40),
    ],
    { env },
  )
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  const history = await runCli(['history', spec, '--mirror', mirror, '--format', 'json'], { env })
  expect(history.code).toBe(0)
  const entry = (JSON.parse(history.stdout) as { entries: MirrorEntry[] }).entries[0]!
  expect(entry.digest).toBe(digest)
  const tag = computeSpecTag(pkg, version, digest)
  // the manifest as binary-check builds it: config = the entry's bytes, one layer = the file
  const configBytes = Buffer.from(serializeCanonical(entry))
  const layerMediaType =
    content[0] === 0x1f && content[1] === 0x8b
      ? MEDIA_TYPES.artifactTarGz
      : MEDIA_TYPES.artifactBinary
  const manifest = computeSpecManifest(
    entry,
    {
      mediaType: MEDIA_TYPES.entry,
      digest: `sha256:${sha256(configBytes)}`,
      size: configBytes.length,
    },
    { mediaType: layerMediaType, digest: `sha256:${sha256(content)}`, size: content.length },
    tag,
  )
  return { entry, tag, content, manifestDigest: `sha256:${sha256(serializeManifest(manifest))}` }
}

describe.skipIf(skip)('skopeo reads what binary-check pushed', () => {
  beforeAll(async () => {
    if (skip) return
    // a gzip tarball-like binary and a plain one: both layer media types
    const gz = gzipSync(Buffer.from(`zlib build tree\n${'z'.repeat(50_000)}`))
    recorded.push(await recordArtifact('zlib@1.3.1 os=ubuntu24.04', gz, 'zlib digest'))
    const plain = Buffer.from(`#!/bin/sh\necho curl\n${'c'.repeat(3000)}`)
    recorded.push(await recordArtifact('curl@8.7.1 os=ubuntu24.04', plain, 'curl digest'))
    const idx = await runCli(['index', '--mirror', `oci://${registry.host}/${REPOSITORY}`], {
      env: cleanEnv({ BINARY_CHECK_REGISTRY_USER: USER, BINARY_CHECK_REGISTRY_PASSWORD: PASSWORD }),
    })
    expect(idx.stdout).toMatch(/^indexed 2 entries/)
  })

  it('inspect --raw: the expected manifest digest (the registry agrees) and layer digest', async () => {
    for (const r of recorded) {
      const raw = await skopeo(['inspect', '--raw', ...CREDS(), ref(r.tag)])
      expect(raw.stderr).toBe('')
      expect(raw.code).toBe(0)
      expect(`sha256:${sha256(raw.stdout)}`).toBe(r.manifestDigest)
      const manifest = JSON.parse(raw.stdout.toString('utf8')) as {
        mediaType: string
        config: { mediaType: string; digest: string }
        layers: Array<{ digest: string; size: number }>
      }
      expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json')
      expect(manifest.config.mediaType).toBe(MEDIA_TYPES.entry)
      expect(manifest.layers).toEqual([
        expect.objectContaining({
          digest: `sha256:${r.entry.artifact.sha256}`,
          size: r.content.length,
        }),
      ])
      expect(r.entry.artifact.sha256).toBe(sha256(r.content))

      const head = await registry.request(`/v2/${REPOSITORY}/manifests/${r.tag}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
      expect(head.headers.get('docker-content-digest')).toBe(r.manifestDigest)

      // Plain inspect: skopeo refuses non-image configs ("unsupported image-specific operation
      // on artifact"); when a version of it does answer, the answer must agree.
      const plain = await skopeo(['inspect', ...CREDS(), ref(r.tag)])
      if (plain.code === 0) {
        const info = JSON.parse(plain.stdout.toString('utf8')) as {
          Digest: string
          Layers: string[]
        }
        expect(info.Digest).toBe(r.manifestDigest)
        expect(info.Layers).toEqual([`sha256:${r.entry.artifact.sha256}`])
      } else expect(plain.stderr).toMatch(/artifact|config|unsupported/i)
    }
  })

  it('without credentials skopeo is refused (the mirror is really behind auth)', async () => {
    const r = await skopeo(['inspect', '--raw', '--tls-verify=false', ref(recorded[0]!.tag)])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/unauthorized|authentication required/i)
  })

  it('copy to a local oci: layout: same manifest digest, the layer blob is the artifact', async () => {
    for (const r of recorded) {
      const layout = join(work, `layout-${r.entry.package}`)
      const copy = await skopeo([
        'copy',
        '--quiet',
        ...SRC_CREDS(),
        ref(r.tag),
        `oci:${layout}:${r.tag}`,
      ])
      expect(copy.stderr).toBe('')
      expect(copy.code).toBe(0)
      const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
        manifests: Array<{ digest: string; annotations?: Record<string, string> }>
      }
      expect(index.manifests).toHaveLength(1)
      expect(index.manifests[0]!.digest).toBe(r.manifestDigest)
      expect(index.manifests[0]!.annotations?.['org.opencontainers.image.ref.name']).toBe(r.tag)

      const blobs = join(layout, 'blobs/sha256')
      const manifestBytes = await readFile(join(blobs, r.manifestDigest.slice('sha256:'.length)))
      expect(`sha256:${sha256(manifestBytes)}`).toBe(r.manifestDigest)
      const manifest = JSON.parse(manifestBytes.toString('utf8')) as {
        config: { digest: string }
        layers: Array<{ digest: string }>
      }
      const layer = await readFile(join(blobs, manifest.layers[0]!.digest.slice('sha256:'.length)))
      expect(sha256(layer)).toBe(r.entry.artifact.sha256)
      expect(layer.equals(r.content)).toBe(true)
      // the config blob is the entry, as recorded
      const config = await readFile(join(blobs, manifest.config.digest.slice('sha256:'.length)))
      expect(JSON.parse(config.toString('utf8'))).toEqual(r.entry)
      expect((await readdir(blobs)).sort()).toEqual(
        [r.manifestDigest, manifest.config.digest, manifest.layers[0]!.digest]
          .map((d) => d.slice('sha256:'.length))
          .sort(),
      )
    }
  })

  it('list-tags shows every spec tag and the index; the index copied out is valid', async () => {
    const tags = await skopeo(['list-tags', ...CREDS(), `docker://${registry.host}/${REPOSITORY}`])
    expect(tags.code).toBe(0)
    expect((JSON.parse(tags.stdout.toString('utf8')) as { Tags: string[] }).Tags.sort()).toEqual(
      [...recorded.map((r) => r.tag), INDEX_TAG].sort(),
    )

    const layout = join(work, 'layout-index')
    const copy = await skopeo([
      'copy',
      '--quiet',
      ...SRC_CREDS(),
      ref(INDEX_TAG),
      `oci:${layout}:index`,
    ])
    expect(copy.stderr).toBe('')
    const top = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string }>
    }
    const blobs = join(layout, 'blobs/sha256')
    const manifest = JSON.parse(
      await readFile(join(blobs, top.manifests[0]!.digest.slice('sha256:'.length)), 'utf8'),
    ) as { layers: Array<{ mediaType: string; digest: string }> }
    expect(manifest.layers).toHaveLength(1)
    expect(manifest.layers[0]!.mediaType).toBe(MEDIA_TYPES.index)
    const text = await readFile(
      join(blobs, manifest.layers[0]!.digest.slice('sha256:'.length)),
      'utf8',
    )
    const index = parseIndex(text, 'index.json') // checksum verified
    expect(Object.keys(index.entries).sort()).toEqual(recorded.map((r) => r.entry.spec).sort())
    for (const r of recorded) expect(index.entries[r.entry.spec]).toEqual(r.entry)
  })
})
