/**
 * Issue 8 §7: the recipe analysis cache is sharded (a run that reads a few recipes reads and
 * writes a few small files), and a plan's JSON is written in pieces that join to exactly what
 * one JSON.stringify gives.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileBlobCache, shardOf } from '../src/engine/file-blob-cache.js'
import { planJsonPieces } from '../src/render/plan-json.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bc-analysis-cache-'))
})
afterEach(async () => rm(dir, { recursive: true, force: true }))

const oid = (n: number) =>
  n
    .toString(16)
    .padStart(40, '0')
    .replace(/^../, (n % 256).toString(16).padStart(2, '0'))

async function shardFiles(): Promise<string[]> {
  const [folder] = await readdir(dir)
  return (await readdir(join(dir, folder!))).sort()
}

describe('sharded analysis cache', () => {
  it('keys go to the shard their blob id starts with; other keys spread stably', () => {
    expect(shardOf('recipe:ab12cd')).toBe('ab')
    expect(shardOf('module:0f00')).toBe('0f')
    expect(shardOf('weird key')).toMatch(/^[0-9a-f]{2}$/)
    expect(shardOf('weird key')).toBe(shardOf('weird key'))
  })

  it('round-trips entries across opens, writing only the shards that gained one', async () => {
    const a = await FileBlobCache.open<{ n: number }>(dir)
    for (let n = 0; n < 600; n++) a.set(`recipe:${oid(n)}`, { n })
    await a.save()
    const files = await shardFiles()
    expect(files).toHaveLength(256)
    expect(files.every((f) => /^[0-9a-f]{2}\.json$/.test(f))).toBe(true)

    const before = new Map<string, number>()
    const [folder] = await readdir(dir)
    for (const f of files) before.set(f, (await stat(join(dir, folder!, f))).mtimeMs)
    await new Promise((r) => setTimeout(r, 20))

    const b = await FileBlobCache.open<{ n: number }>(dir)
    expect(b.size).toBe(0) // nothing read yet
    expect(b.get(`recipe:${oid(7)}`)).toEqual({ n: 7 })
    expect(b.get(`recipe:${oid(599)}`)).toEqual({ n: 599 })
    b.set(`recipe:${oid(600)}`, { n: 600 }) // shard 58
    await b.save()
    const changed: string[] = []
    for (const f of files)
      if ((await stat(join(dir, folder!, f))).mtimeMs !== before.get(f)) changed.push(f)
    expect(changed).toEqual([`${(600 % 256).toString(16)}.json`])

    const c = await FileBlobCache.open<{ n: number }>(dir)
    for (const n of [0, 88, 344, 600]) expect(c.get(`recipe:${oid(n)}`)).toEqual({ n })
  })

  it('a corrupt or foreign shard is a miss, and the next save replaces it', async () => {
    const a = await FileBlobCache.open<{ n: number }>(dir)
    a.set(`recipe:${oid(1)}`, { n: 1 })
    a.set(`recipe:${oid(2)}`, { n: 2 })
    await a.save()
    const [folder] = await readdir(dir)
    await writeFile(join(dir, folder!, '01.json'), '{"algorithm":"binary-check/digest@2","ent')
    await writeFile(join(dir, folder!, '02.json'), '{"algorithm":"other","entries":{}}')
    const b = await FileBlobCache.open<{ n: number }>(dir)
    expect(b.get(`recipe:${oid(1)}`)).toBeUndefined()
    expect(b.get(`recipe:${oid(2)}`)).toBeUndefined()
    b.set(`recipe:${oid(1)}`, { n: 11 })
    await b.save()
    const c = await FileBlobCache.open<{ n: number }>(dir)
    expect(c.get(`recipe:${oid(1)}`)).toEqual({ n: 11 })
    expect(JSON.parse(await readFile(join(dir, folder!, '01.json'), 'utf8'))).toHaveProperty(
      'entries',
    )
  })

  it('without a directory it is memory only', async () => {
    const a = await FileBlobCache.open<number>(undefined)
    a.set('recipe:aa', 1)
    await a.save()
    expect(a.get('recipe:aa')).toBe(1)
  })
})

describe('plan JSON in pieces', () => {
  const plan = {
    schema: 'binary-check/plan@1',
    base: null,
    skipped: undefined,
    fn: () => 1,
    specs: Array.from({ length: 5000 }, (_, i) => ({
      id: `s${i}@1 "quoted" \u2028`,
      deps: [i, undefined, null],
      none: undefined,
    })),
    sparse: [1, undefined, 3],
    empty: [],
    summary: { total: 5000, nested: { a: [1, 2] } },
  }

  it('joins to exactly JSON.stringify(plan) + newline, in batches', () => {
    const pieces = [...planJsonPieces(plan, 4096)]
    expect(pieces.length).toBeGreaterThan(10)
    expect(pieces.join('')).toBe(`${JSON.stringify(plan)}\n`)
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(4096 + 200)
  })

  it('one piece for a small plan, and an empty object stays valid', () => {
    expect([...planJsonPieces({ a: 1 })]).toEqual(['{"a":1}\n'])
    expect([...planJsonPieces({})].join('')).toBe('{}\n')
  })
})

describe('analysis cache housekeeping', () => {
  it('a save removes analyses of other builds (old single files and shard folders), nothing else', async () => {
    await writeFile(join(dir, 'recipes-binary-check-digest-2-0123456789abcdef.json'), '{}')
    await mkdir(join(dir, 'analyses-binary-check-digest-1-fedcba9876543210'))
    await mkdir(join(dir, 'trees'))
    await writeFile(join(dir, 'notes.txt'), 'mine')
    const a = await FileBlobCache.open<number>(dir)
    a.set('recipe:aa00', 1)
    await a.save()
    const names = (await readdir(dir)).sort()
    expect(names).toHaveLength(3)
    expect(names.filter((n) => n.startsWith('analyses-'))).toHaveLength(1)
    expect(names).toContain('trees')
    expect(names).toContain('notes.txt')
  })
})
