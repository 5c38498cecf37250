/**
 * Spack's DAG hash of a `spack.lock` node: Python's `json.dumps` text of the node dict, every
 * node of two real locks (../shared/corpus/lockfiles: all-pythons, lockfile v6 / specfile v5 from
 * Spack 1.1; ncar-derecho, lockfile v5 / specfile v4 from Spack 0.22) recomputed to its key, and
 * `rehashLock` on a hand-made chain and on all-pythons. The corpus tests skip with a message
 * where ../shared is absent.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  dagHashOfNode,
  parseSpackJson,
  PyNumber,
  pythonJsonDumps,
  rehashLock,
} from '../src/ecosystems/spack/package-hash/dag-hash.js'
import { PROJECT_ROOT } from './support/run-dist.js'

const LOCKS = join(PROJECT_ROOT, '../shared/corpus/lockfiles')
const ALL_PYTHONS = join(LOCKS, 'all-pythons.spack.lock')
const NCAR = join(LOCKS, 'ncar-derecho.spack.lock.gz')
const HAVE = existsSync(ALL_PYTHONS) && existsSync(NCAR)
if (!HAVE)
  console.warn(
    `spack DAG hash corpus tests skipped: ${ALL_PYTHONS} or ${NCAR} is absent (../shared)`,
  )

type Nodes = Record<string, Record<string, unknown>>

function readLock(file: string): { meta: Record<string, unknown>; nodes: Nodes } {
  const bytes = readFileSync(file)
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')
  const lock = parseSpackJson(text) as { _meta: Record<string, unknown>; concrete_specs: Nodes }
  return { meta: lock._meta, nodes: lock.concrete_specs }
}

function depHashes(node: Record<string, unknown>): string[] {
  return ((node.dependencies ?? []) as { hash: string }[]).map((d) => d.hash)
}

describe('Python json.dumps as Spack writes it', () => {
  // Expected texts are what CPython's json.dumps(v, ensure_ascii=True, separators=(',', ':')) gave.
  it('escapes non-ASCII, DEL and control characters as lower-case \\uXXXX', () => {
    expect(pythonJsonDumps('é😀\x7f\x00\u2028"\\/\n\t')).toBe(
      '"\\u00e9\\ud83d\\ude00\\u007f\\u0000\\u2028\\"\\\\/\\n\\t"',
    )
  })
  it("writes floats as Python's repr and integers exactly", () => {
    const cases: [unknown, string][] = [
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1e15 + 0.5, '1000000000000000.5'],
      [2 ** 53 + 2, '9007199254740994.0'],
      [1e16 + 2, '1.0000000000000002e+16'],
      [-(2 ** 53) + 1, '-9007199254740991'],
      [1.5e300, '1.5e+300'],
      [123.456, '123.456'],
      [2.5e-7, '2.5e-07'],
      [-0, '0'],
      [Infinity, 'Infinity'],
      [NaN, 'NaN'],
      [10n ** 20n, '100000000000000000000'],
    ]
    for (const [v, want] of cases) expect(pythonJsonDumps(v), String(v)).toBe(want)
  })
  it('keeps what JSON.parse loses: integer-like key order, float 1.0, big integers', () => {
    const parsed = parseSpackJson(
      '{"b":1,"10":2.0,"2":[true,null,-0.0,1e16,1E400],"x":123456789012345678901234567890}',
    )
    expect((parsed as { 10: unknown })[10]).toBeInstanceOf(PyNumber)
    expect(pythonJsonDumps(parsed)).toBe(
      '{"b":1,"10":2.0,"2":[true,null,-0.0,1e+16,Infinity],"x":123456789012345678901234567890}',
    )
  })
})

describe('rehashLock on a hand-made chain a -> b -> c', () => {
  const node = (name: string, packageHash: string, dep?: string): Record<string, unknown> => ({
    name,
    version: '1.0',
    arch: { platform: 'linux', platform_os: 'ubuntu24.04', target: 'x86_64_v3' },
    namespace: 'builtin',
    parameters: { build_system: 'generic', cflags: [] },
    package_hash: packageHash,
    ...(dep === undefined
      ? {}
      : {
          dependencies: [
            { name: 'dep', hash: dep, parameters: { deptypes: ['build', 'link'], virtuals: [] } },
          ],
        }),
    annotations: { original_specfile_version: 5 },
  })
  const stored = (n: Record<string, unknown>): [string, Record<string, unknown>] => {
    const hash = dagHashOfNode(n)
    return [hash, { ...n, hash }]
  }
  const [c, cNode] = stored(node('c', 'cccc'))
  const [b, bNode] = stored(node('b', 'bbbb', c))
  const [a, aNode] = stored(node('a', 'aaaa', b))
  const lock: Nodes = { [a]: aNode, [b]: bNode, [c]: cNode }

  it('hashes a stored node the same with or without its hash key', () => {
    expect(dagHashOfNode(cNode)).toBe(c)
    expect(c).toMatch(/^[a-z2-7]{32}$/)
  })

  it("changing c's package_hash changes all three, to the hashes of the edited dicts", () => {
    const out = rehashLock(lock, new Map([[c, 'new-c']]))
    const c2 = dagHashOfNode(node('c', 'new-c'))
    const b2 = dagHashOfNode(node('b', 'bbbb', c2))
    const a2 = dagHashOfNode(node('a', 'aaaa', b2))
    expect(out).toEqual(
      new Map([
        [c, c2],
        [b, b2],
        [a, a2],
      ]),
    )
    expect(new Set([a, b, c, a2, b2, c2]).size).toBe(6)
  })

  it("changing a's package_hash changes only a", () => {
    const out = rehashLock(lock, new Map([[a, 'new-a']]))
    expect(out).toEqual(new Map([[a, dagHashOfNode(node('a', 'new-a', b))]]))
  })

  it('the same package_hash changes nothing; an unknown node is an error', () => {
    expect(rehashLock(lock, new Map([[c, 'cccc']])).size).toBe(0)
    expect(() => rehashLock(lock, new Map([['nosuchhash', 'x']]))).toThrow(/nosuchhash/)
  })

  it('throws naming the hash on a dependency cycle', () => {
    const cyclic: Nodes = {
      [c]: { ...cNode, dependencies: [{ name: 'a', hash: a, parameters: {} }] },
      [b]: bNode,
      [a]: aNode,
    }
    expect(() => rehashLock(cyclic, new Map([[c, 'new-c']]))).toThrow(
      new RegExp(`cycle through node (${a}|${b}|${c})`),
    )
  })
})

describe.skipIf(!HAVE)('Spack DAG hashes of real locks (needs ../shared/corpus)', () => {
  const cases = [
    { file: ALL_PYTHONS, total: 81, format: 'lockfile v6, specfile v5, Spack 1.1.0.dev0' },
    { file: NCAR, total: 1238, format: 'lockfile v5, specfile v4, Spack 0.22.0.dev0' },
  ]
  for (const { file, total, format } of cases) {
    const name = file.split('/').pop() as string
    it(`reproduces the DAG hash of all ${total} nodes of ${name} (${format})`, () => {
      const { nodes } = readLock(file)
      const keys = Object.keys(nodes)
      expect(keys.length).toBe(total)
      const wrong = keys.filter((k) => dagHashOfNode(nodes[k] as Record<string, unknown>) !== k)
      expect(wrong, `${total - wrong.length}/${total} match; first wrong: ${wrong[0]}`).toEqual([])
      // Plain JSON.parse holds nothing these locks need beyond it.
      const plain = (
        JSON.parse(
          (file.endsWith('.gz') ? gunzipSync(readFileSync(file)) : readFileSync(file)).toString(),
        ) as { concrete_specs: Nodes }
      ).concrete_specs
      expect(keys.filter((k) => dagHashOfNode(plain[k] as Record<string, unknown>) !== k)).toEqual(
        [],
      )
    })
  }

  it('rehashLock on all-pythons: a new zlib-ng package_hash changes it and its dependents', () => {
    const { nodes } = readLock(ALL_PYTHONS)
    // all-pythons has two zlib-ng nodes; take the first in hash order.
    const zlib = Object.keys(nodes)
      .filter((k) => nodes[k]?.name === 'zlib-ng')
      .sort()
    expect(zlib.length).toBeGreaterThan(0)
    const start = zlib[0] as string

    // Dependents, from the dependency lists alone.
    const dependents = new Map<string, string[]>()
    for (const [h, n] of Object.entries(nodes))
      for (const d of depHashes(n)) dependents.set(d, [...(dependents.get(d) ?? []), h])
    const expected = new Set([start])
    const queue = [start]
    while (queue.length > 0)
      for (const p of dependents.get(queue.pop() as string) ?? [])
        if (!expected.has(p)) {
          expected.add(p)
          queue.push(p)
        }

    const out = rehashLock(
      nodes,
      new Map([[start, 'fakefakefakefakefakefakefakefakefakefakefakefakefake====']]),
    )
    expect(new Set(out.keys())).toEqual(expected)
    expect(expected.size).toBeGreaterThan(1)
    expect(expected.size).toBeLessThan(Object.keys(nodes).length)
    for (const [old, next] of out) {
      expect(next).not.toBe(old)
      expect(Object.hasOwn(nodes, next)).toBe(false)
    }

    // The same by brute force: rewrite every node, rehash, repeat until nothing moves.
    const current = new Map(Object.keys(nodes).map((h) => [h, h]))
    for (let changed = true; changed;) {
      changed = false
      for (const [h, n] of Object.entries(nodes)) {
        const edited = {
          ...n,
          ...(h === start
            ? { package_hash: 'fakefakefakefakefakefakefakefakefakefakefakefakefake====' }
            : {}),
          ...(n.dependencies === undefined
            ? {}
            : {
                dependencies: (n.dependencies as { hash: string }[]).map((d) => ({
                  ...d,
                  hash: current.get(d.hash) ?? d.hash,
                })),
              }),
        }
        const next = dagHashOfNode(edited)
        if (current.get(h) !== next) {
          current.set(h, next)
          changed = true
        }
      }
    }
    const moved = new Map([...current].filter(([h, next]) => h !== next))
    expect(moved).toEqual(out)
  })
})
