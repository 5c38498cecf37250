import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { digestText, sha256Hex } from '../src/core/canonical-encode.js'
import { UserError } from '../src/core/errors.js'
import {
  computeEntryName,
  computeIndexChecksum,
  openFileMirror,
  openMirror,
  resolveMirrorDirectory,
  type FileMirror,
  type RecordedFields,
  type RecordInput,
} from '../src/mirror/index.js'

let work: string
let mirrorDir: string
let warnings: string[]
let mirror: FileMirror

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'binary-check-mirror-'))
  mirrorDir = join(work, 'mirror')
  warnings = []
  mirror = openFileMirror(mirrorDir, { onWarning: (m) => warnings.push(m) })
})
afterEach(async () => {
  await rm(work, { recursive: true, force: true })
})

const NOW = new Date('2024-03-01T12:00:00Z')
const LATER = new Date('2024-03-02T12:00:00Z')

async function artifact(name: string, content: string | Buffer): Promise<string> {
  const path = join(work, 'out', name)
  await mkdir(join(work, 'out'), { recursive: true })
  await writeFile(path, content)
  return path
}
function input(
  spec: string,
  digestSeed: string,
  artifactPath: string,
  extra: Partial<RecordedFields> = {},
): RecordInput {
  const [name, rest] = spec.split('@') as [string, string]
  const entry = {
    spec,
    package: name,
    version: rest.split(' ')[0] as string,
    digest: digestText(digestSeed),
  }
  return { entry: { ...entry, ...extra }, artifactPath, now: NOW }
}
async function thrown(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof UserError) return error
    throw error
  }
  throw new Error('expected a UserError')
}
async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort()
}

describe('entry names', () => {
  it('are deterministic, file-system safe, and keep look-alike ids apart', () => {
    const id = 'zlib@1.3.1 +shared ~pic %gcc@13.2 os=ubuntu22.04 target=x86_64'
    const name = computeEntryName(id)
    expect(name).toBe(
      `zlib@1.3.1_+shared_pic_gcc@13.2_os=ubuntu22.04_target=x86_64-${sha256Hex(id).slice(0, 12)}`,
    )
    expect(computeEntryName(id)).toBe(name)
    expect(computeEntryName('Zlib@1')).not.toBe(computeEntryName('zlib@1'))
    expect(computeEntryName('a b@1').toLowerCase()).not.toBe(
      computeEntryName('a/b@1').toLowerCase(),
    )
    for (const hostile of [
      '../../etc/passwd',
      '.hidden',
      'a\\b:c*d?"<>|',
      'ünïcödé@1',
      'x'.repeat(500),
      '..',
    ]) {
      const safe = computeEntryName(hostile)
      expect(safe).toMatch(/^[A-Za-z0-9][A-Za-z0-9._+@=-]*$/)
      expect(safe.length).toBeLessThanOrEqual(93)
      expect(safe).not.toContain('/')
    }
  })
})

describe('openMirror', () => {
  it('accepts file:// URLs (absolute or relative to cwd) and plain paths', () => {
    expect(resolveMirrorDirectory('file:///srv/mirror', '/work')).toBe('/srv/mirror')
    expect(resolveMirrorDirectory('file:///srv/my%20mirror', '/work')).toBe('/srv/my mirror')
    expect(resolveMirrorDirectory('file://mirror', '/work')).toBe('/work/mirror')
    expect(resolveMirrorDirectory('file://./a/b', '/work')).toBe('/work/a/b')
    expect(resolveMirrorDirectory('mirror', '/work')).toBe('/work/mirror')
    expect(resolveMirrorDirectory('/abs/mirror', '/work')).toBe('/abs/mirror')
    expect(openMirror('file://m', { cwd: '/work' }).url).toBe('file:///work/m')
  })

  it('rejects other schemes verbatim', () => {
    let error: unknown
    try {
      openMirror('s3://bucket/acme/binaries')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).kind).toBe('mirror')
    expect((error as UserError).message).toBe(
      's3://bucket/acme/binaries: unsupported mirror URL scheme "s3://" (expected file://, oci:// or a directory path)',
    )
    expect(openMirror('oci://ghcr.io/acme/binaries').url).toBe('oci://ghcr.io/acme/binaries')
  })
})

describe('file mirror', () => {
  it('has no index when empty (also when the directory does not exist)', async () => {
    expect(await mirror.tryReadIndex()).toBeUndefined()
    await mkdir(mirrorDir)
    expect(await mirror.tryReadIndex()).toBeUndefined()
    expect(await mirror.tryReadEntry('zlib@1')).toBeUndefined()
  })

  it('records, writes the index and reads it back', async () => {
    const bin = Buffer.from([0, 1, 2, 255, 10])
    const a = await mirror.record(
      input('zlib@1.3.1 os=linux', 'z', await artifact('zlib.tar.gz', bin), {
        os: 'linux',
        compiler: 'gcc@13',
        packageDigest: digestText('pkg'),
        inputs: { algorithm: 'binary-check/digest@1', parameters: { shared: 'true' }, n: 3 },
        commit: 'a'.repeat(40),
        builder: 'https://ci.example/job/1',
      }),
    )
    const sha = sha256Hex(bin)
    expect(a).toEqual({
      schema: 'binary-check/entry@1',
      spec: 'zlib@1.3.1 os=linux',
      package: 'zlib',
      version: '1.3.1',
      os: 'linux',
      compiler: 'gcc@13',
      digest: digestText('z'),
      packageDigest: digestText('pkg'),
      inputs: { algorithm: 'binary-check/digest@1', parameters: { shared: 'true' }, n: 3 },
      artifact: { path: `artifacts/sha256/${sha}`, sha256: sha, size: 5 },
      commit: 'a'.repeat(40),
      builtAt: '2024-03-01T12:00:00.000Z',
      builder: 'https://ci.example/job/1',
    })
    const b = await mirror.record(
      input('curl@8.5.0', 'c', await artifact('curl.tgz', 'curl binary')),
    )
    expect(await readFile(join(mirrorDir, a.artifact.path))).toEqual(bin)
    // recording never touches the index
    expect(await mirror.tryReadIndex()).toBeUndefined()
    expect(await mirror.tryReadEntry('curl@8.5.0')).toEqual(b)

    const written = await mirror.writeIndex()
    expect(Object.keys(written.entries)).toEqual(['curl@8.5.0', 'zlib@1.3.1 os=linux'])
    expect(written.checksum).toBe(computeIndexChecksum(written.entries))
    expect(await mirror.tryReadIndex()).toEqual(written)
    expect(warnings).toEqual([])
    expect(await listAll(mirrorDir)).toEqual(
      [
        `artifacts/sha256/${sha}`,
        `artifacts/sha256/${sha256Hex('curl binary')}`,
        `entries/${computeEntryName('curl@8.5.0')}.json`,
        `entries/${computeEntryName('zlib@1.3.1 os=linux')}.json`,
        // every recorded entry is also kept in the spec's history, one file per digest
        `history/${computeEntryName('curl@8.5.0')}/${sha256Hex('c')}.json`,
        `history/${computeEntryName('zlib@1.3.1 os=linux')}/${sha256Hex('z')}.json`,
        'index.json',
      ].sort(),
    )
    // deterministic bytes
    const bytes = await readFile(join(mirrorDir, 'index.json'), 'utf8')
    await mirror.writeIndex()
    expect(await readFile(join(mirrorDir, 'index.json'), 'utf8')).toBe(bytes)
    expect(JSON.parse(bytes).schema).toBe('binary-check/index@1')
  })

  it('stores identical binaries once', async () => {
    const a = await mirror.record(input('a@1', 'a', await artifact('a', 'same')))
    const b = await mirror.record(input('b@1', 'b', await artifact('b', 'same')))
    expect(a.artifact).toEqual(b.artifact)
    expect(await readdir(join(mirrorDir, 'artifacts/sha256'))).toEqual([sha256Hex('same')])
  })

  it('re-recording the same digest is a no-op; another digest keeps the old entry in history', async () => {
    const first = await mirror.record(input('zlib@1.3', 'd1', await artifact('z1', 'one')))
    const again = await mirror.record({
      ...input('zlib@1.3', 'd1', await artifact('z1b', 'one, rebuilt')),
      now: LATER,
    })
    expect(again).toEqual(first)
    expect(again.builtAt).toBe('2024-03-01T12:00:00.000Z')
    expect(await readdir(join(mirrorDir, 'artifacts/sha256'))).toEqual([sha256Hex('one')])

    const second = await mirror.record({
      ...input('zlib@1.3', 'd2', await artifact('z2', 'two')),
      now: LATER,
    })
    expect(second.digest).toBe(digestText('d2'))
    expect(second.builtAt).toBe('2024-03-02T12:00:00.000Z')
    expect(await mirror.tryReadEntry('zlib@1.3')).toEqual(second)
    const historyFile = join(
      mirrorDir,
      'history',
      computeEntryName('zlib@1.3'),
      `${sha256Hex('d1')}.json`,
    )
    expect(JSON.parse(await readFile(historyFile, 'utf8'))).toEqual(first)
    expect(Object.keys((await mirror.writeIndex()).entries)).toEqual(['zlib@1.3'])
  })

  it('re-records when the entry references a binary that went missing', async () => {
    const first = await mirror.record(input('zlib@1.3', 'd1', await artifact('z1', 'one')))
    await rm(join(mirrorDir, first.artifact.path))
    const again = await mirror.record({
      ...input('zlib@1.3', 'd1', await artifact('z1', 'one')),
      now: LATER,
    })
    expect(again.builtAt).toBe('2024-03-02T12:00:00.000Z')
    expect(await readFile(join(mirrorDir, again.artifact.path), 'utf8')).toBe('one')
  })

  it('names bad record input', async () => {
    const path = await artifact('x', 'x')
    const badDigest = await thrown(mirror.record(input('x@1', 'x', path, { digest: 'md5:abc' })))
    expect(badDigest.kind).toBe('input')
    expect(badDigest.message).toBe('record: entry.digest: expected sha256:<64 hex>, got "md5:abc"')
    expect((await thrown(mirror.record(input('x@1', 'x', path, { spec: '' })))).message).toBe(
      'record: entry.spec: expected a non-empty string, got ""',
    )
    expect(
      (await thrown(mirror.record(input('x@1', 'x', path, { inputs: { ratio: 0.5 } })))).message,
    ).toBe(
      'record: entry.inputs: expected JSON with integer numbers only (canonicalEncode: not an integer: 0.5)',
    )
    const missing = join(work, 'out', 'nope.tar')
    expect((await thrown(mirror.record(input('x@1', 'x', missing)))).message).toBe(
      `${missing}: artifact not found (expected the built binary file)`,
    )
    // nothing was written, and no temp files remain
    expect((await listAll(mirrorDir)).filter((f) => !f.startsWith('artifacts/'))).toEqual([])
    expect((await listAll(mirrorDir)).some((f) => f.includes('.tmp'))).toBe(false)
  })

  it('writeIndex ignores temp files and skips unusable entry files with a warning', async () => {
    const good = await mirror.record(input('good@1', 'g', await artifact('g', 'good')))
    const orphan = await mirror.record(input('orphan@1', 'o', await artifact('o', 'orphan')))
    await rm(join(mirrorDir, orphan.artifact.path))
    const entries = join(mirrorDir, 'entries')
    await writeFile(join(entries, 'half.json.tmp-123-abc'), '{"sch')
    await writeFile(join(entries, 'broken.json'), '{"schema": "binary-check/entry@1", "spec": ')
    await writeFile(join(entries, 'wrong.json'), JSON.stringify({ ...good, digest: 'sha256:nope' }))
    await writeFile(join(entries, 'moved.json'), JSON.stringify(good))
    await writeFile(join(entries, 'README'), 'hello')
    const index = await mirror.writeIndex()
    expect(Object.keys(index.entries)).toEqual(['good@1'])
    const e = (name: string) => join(entries, name)
    expect(warnings).toEqual([
      `${e('README')}: skipped: not an entry file (expected <name>.json)`,
      `${e('broken.json')}: skipped: not valid JSON (Unexpected end of JSON input)`,
      `${e('moved.json')}: skipped: holds spec "good@1", whose entry file is ${computeEntryName('good@1')}.json`,
      `${e(`${computeEntryName('orphan@1')}.json`)}: skipped: artifact ${orphan.artifact.path} is missing or has the wrong size`,
      `${e('wrong.json')}: skipped: digest: expected sha256:<64 hex>, got "sha256:nope"`,
    ])
  })
})

describe('corrupt index', () => {
  const HINT = 'run `binary-check index` to rebuild it from entries'
  let indexFile: string
  let text: string

  beforeEach(async () => {
    await mirror.record(input('zlib@1.3', 'z', await artifact('z', 'zlib')))
    await mirror.record(input('curl@8', 'c', await artifact('c', 'curl')))
    await mirror.writeIndex()
    indexFile = join(mirrorDir, 'index.json')
    text = await readFile(indexFile, 'utf8')
  })

  it('an edited entry: checksum mismatch, verbatim', async () => {
    const index = JSON.parse(text)
    index.entries['zlib@1.3'].digest = digestText('tampered')
    await writeFile(indexFile, JSON.stringify(index, null, 2))
    const got = computeIndexChecksum(index.entries)
    const error = await thrown(mirror.tryReadIndex())
    expect(error.kind).toBe('mirror')
    expect(error.place).toBe(indexFile)
    expect(error.message).toBe(
      `${indexFile}: index is corrupt: checksum mismatch (expected ${index.checksum}, got ${got}); ${HINT}`,
    )
  })

  it('a removed entry: checksum mismatch', async () => {
    const index = JSON.parse(text)
    delete index.entries['curl@8']
    await writeFile(indexFile, JSON.stringify(index))
    await expect(mirror.tryReadIndex()).rejects.toThrow(/index is corrupt: checksum mismatch/)
  })

  it('a truncated file: not valid JSON', async () => {
    await writeFile(indexFile, text.slice(0, Math.floor(text.length / 2)))
    const error = await thrown(mirror.tryReadIndex())
    expect(error.message).toMatch(
      /^.*index\.json: index is corrupt: not valid JSON \(.+\); run `binary-check index` to rebuild it from entries$/,
    )
  })

  it('bad JSON, a wrong shape, a newer schema', async () => {
    await writeFile(indexFile, 'not json at all')
    expect((await thrown(mirror.tryReadIndex())).message).toBe(
      `${indexFile}: index is corrupt: not valid JSON (Unexpected token 'o', "not json at all" is not valid JSON); ${HINT}`,
    )
    await writeFile(indexFile, '[]')
    expect((await thrown(mirror.tryReadIndex())).message).toBe(
      `${indexFile}: index is corrupt: expected a JSON object, got an array; ${HINT}`,
    )
    await writeFile(indexFile, JSON.stringify({ ...JSON.parse(text), schema: 'spack/index@7' }))
    expect((await thrown(mirror.tryReadIndex())).message).toBe(
      `${indexFile}: index is corrupt: schema: expected "binary-check/index@1", got "spack/index@7"; ${HINT}`,
    )
    await writeFile(
      indexFile,
      JSON.stringify({ ...JSON.parse(text), schema: 'binary-check/index@2' }),
    )
    expect((await thrown(mirror.tryReadIndex())).message).toBe(
      `${indexFile}: index has schema "binary-check/index@2"; this binary-check reads "binary-check/index@1" (upgrade binary-check)`,
    )
  })

  it('an invalid entry with a matching checksum is still corrupt, naming the field', async () => {
    const index = JSON.parse(text)
    index.entries['zlib@1.3'].artifact.size = -1
    index.checksum = computeIndexChecksum(index.entries)
    await writeFile(indexFile, JSON.stringify(index))
    expect((await thrown(mirror.tryReadIndex())).message).toBe(
      `${indexFile}: index is corrupt: entries["zlib@1.3"].artifact.size: too small: expected number to be >=0, got -1; ${HINT}`,
    )
  })

  it('rebuilding from entries repairs it', async () => {
    await writeFile(indexFile, text.slice(0, 10))
    await mirror.writeIndex()
    expect(Object.keys((await mirror.tryReadIndex())?.entries ?? {})).toEqual([
      'curl@8',
      'zlib@1.3',
    ])
  })
})
