/** Pure parts of the fromager adapter: names, graph.json, settings canonicalisation. */
import { describe, expect, it } from 'vitest'
import { parseFromagerGraph } from '../src/ecosystems/fromager/graph.js'
import { canonicalizeName, splitNameVersion } from '../src/ecosystems/fromager/names.js'
import { parseFromagerSettings } from '../src/ecosystems/fromager/settings.js'

describe('names', () => {
  it('PEP 503 canonical names and <name>-<version> splits', () => {
    expect(canonicalizeName('Typing__Extensions.x')).toBe('typing-extensions-x')
    const known = new Set(['typing-extensions', 'torch', 'flit-core'])
    expect(splitNameVersion('typing_extensions-4.12.2', known)).toEqual({
      name: 'typing-extensions',
      version: '4.12.2',
    })
    expect(splitNameVersion('flit-core-3.10.1', known)).toEqual({
      name: 'flit-core',
      version: '3.10.1',
    })
    expect(splitNameVersion('torch', known)).toBeUndefined()
    expect(splitNameVersion('numpy-2.1.0', known)).toBeUndefined()
  })
})

describe('graph.json', () => {
  const node = (name: string, version: string, edges: unknown[] = [], extra = {}) => ({
    download_url: '',
    pre_built: false,
    version,
    canonicalized_name: name,
    edges,
    ...extra,
  })

  it('reads nodes, requirement types and sdist hashes', () => {
    const g = parseFromagerGraph(
      JSON.stringify({
        '': node('', '0', [{ key: 'a==1.0', req_type: 'toplevel', req: 'a' }]),
        'a==1.0': node(
          'a',
          '1.0',
          [
            { key: 'b==2.0', req_type: 'install', req: 'b' },
            { key: 'b==2.0', req_type: 'build-backend', req: 'b' },
          ],
          { sdist_sha256: 'AB'.repeat(32) },
        ),
        'b==2.0': node('b', '2.0', [], {
          download_url: `https://x/b-2.0.tar.gz#sha256=${'c'.repeat(64)}`,
          pre_built: true,
        }),
      }),
      'graph.json',
    )
    expect(g.topLevel).toEqual(['a==1.0'])
    expect(g.nodes.get('a==1.0')!.sha256).toBe('ab'.repeat(32))
    expect(g.nodes.get('a==1.0')!.edges.map((e) => e.types)).toEqual([['run'], ['build']])
    expect(g.nodes.get('b==2.0')).toMatchObject({
      sha256: 'c'.repeat(64),
      downloadUrl: 'https://x/b-2.0.tar.gz',
      preBuilt: true,
    })
  })

  it('refuses a key that is not canonicalized_name==version', () => {
    expect(() =>
      parseFromagerGraph(JSON.stringify({ 'a==1.0': node('a', '1.1') }), 'g.json'),
    ).toThrow(/^g\.json: "a==1\.0": key does not match "a==1\.1"/)
  })
})

describe('settings', () => {
  it('comments, key order, quoting and flow style do not change the canonical value', () => {
    const a = parseFromagerSettings(
      '# c\nenv: {B: "2", A: \'1\'}\nbuild_options:\n  memory_per_job_gb: 1.5\n',
      's.yaml',
    )
    const b = parseFromagerSettings(
      'build_options: {memory_per_job_gb: 1.50}\nenv:\n  A: "1"  # one\n  B: "2"\n',
      's.yaml',
    )
    expect(a).toEqual(b)
    expect(a.common.build_options).toEqual({ memory_per_job_gb: { $float: '1.5' } })
  })

  it('splits variants and changelog, keeps a numeric changelog key as written', () => {
    const s = parseFromagerSettings(
      'changelog:\n  2.0: [x]\nvariants:\n  cuda: {env: {A: "1"}}\n  rocm: {pre_built: true}\n',
      's.yaml',
    )
    expect(Object.keys(s.changelog)).toEqual(['2.0'])
    expect(s.variants.cuda).toEqual({ env: { A: '1' } })
    expect(s.preBuiltVariants).toEqual(['rocm'])
    expect(s.common).toEqual({})
  })

  it('an empty file is empty settings; a list is an error naming the file', () => {
    expect(parseFromagerSettings('# nothing\n', 's.yaml').common).toEqual({})
    expect(() => parseFromagerSettings('- a\n', 's.yaml')).toThrow(
      /^s\.yaml: expected a map of settings, got a list$/,
    )
  })
})
