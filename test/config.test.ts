import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expandSpecRequests, validateConfig } from '../src/config/config-schema.js'
import { configJsonSchema } from '../src/config/json-schema.js'
import { parseConfigText } from '../src/config/read-config.js'
import { PROJECT_ROOT } from './support/run-dist.js'

const problems = (v: unknown) => {
  const r = validateConfig(v)
  return 'problems' in r ? r.problems.map((p) => `${p.path}: ${p.message}`) : []
}

describe('config validation', () => {
  it('applies defaults', () => {
    const r = validateConfig({})
    expect('config' in r && r.config).toMatchObject({
      ecosystem: 'spack',
      deptypes: ['build', 'link', 'run'],
      containers: [],
      ignore: [],
      providers: {},
      concretizer: { unify: true, reuse: true },
    })
  })
  it('reads concretizer and providers the way Spack spells them', () => {
    const r = validateConfig({
      concretizer: { unify: 'when_possible' },
      providers: { mpi: 'mpich', 'zlib-api': ['zlib-ng+compat', 'zlib'] },
    })
    expect('config' in r && r.config).toMatchObject({
      concretizer: { unify: 'when_possible', reuse: true },
      providers: { mpi: 'mpich', 'zlib-api': ['zlib-ng+compat', 'zlib'] },
    })
    expect(problems({ concretizer: { unify: 'yes' } })).toEqual([
      'concretizer.unify: expected true, false or "when_possible", got string "yes"',
    ])
    expect(problems({ concretizer: { reuse: 'dependencies' } })).toEqual([
      'concretizer.reuse: expected boolean, got string "dependencies"',
    ])
    expect(problems({ concretizer: { unfiy: true } })).toEqual([
      'concretizer: unknown field "unfiy"',
    ])
    expect(problems({ providers: { mpi: 3 } })).toEqual([
      'providers.mpi: expected a provider name or a list of provider names, got number 3',
    ])
  })
  it('names the field, the expected and the received value', () => {
    expect(problems({ deptypes: ['link', 'linkk'] })).toEqual([
      'deptypes.1: expected one of "build", "link", "run", "test", got string "linkk"',
    ])
    expect(problems({ containers: [{ when: 'os=x', image: 3 }] })).toEqual([
      'containers.0.image: expected string, got number 3',
    ])
    expect(problems({ specs: [{ matrx: [] }] })).toEqual([
      'specs.0: expected a spec string or {matrix: [[...], ...]}, got a map ({"matrx":[]})',
    ])
    expect(problems({ recipe: 'x' })).toEqual(['(root): unknown field "recipe"'])
    expect(problems({ ecosystem: 'manifest' })).toEqual([
      'packages: expected a map of packages (ecosystem is "manifest"), got nothing',
    ])
    expect(problems({ ecosystem: 'manifest', packages: { Bad_Name: {} } })).toEqual([
      'packages.Bad_Name: expected a package name matching ^[a-z0-9][a-z0-9._+-]*$, got "Bad_Name"',
    ])
  })
  it('reports YAML syntax errors with the line', () => {
    expect(() => parseConfigText('ecosystem: spack\nspecs: [a, b\n', 'cfg.yml')).toThrow(
      /^cfg\.yml:\d+: invalid YAML: /,
    )
    expect(() => parseConfigText('deptypes: 3\n', 'cfg.yml')).toThrow(
      'cfg.yml: deptypes: expected array, got number 3',
    )
  })
  it('crosses spec matrices', () => {
    const r = validateConfig({
      specs: ['zlib', { matrix: [['a', 'b'], ['%gcc@13', '%clang@17'], ['os=x']] }],
    })
    if (!('config' in r)) throw new Error('invalid')
    expect(expandSpecRequests(r.config).map((s) => s.spec)).toEqual([
      'zlib',
      'a %gcc@13 os=x',
      'a %clang@17 os=x',
      'b %gcc@13 os=x',
      'b %clang@17 os=x',
    ])
  })
})

describe('schema/binary-check.schema.json', () => {
  it('is in sync with the validator (run npm run build to regenerate)', async () => {
    const committed = JSON.parse(
      await readFile(join(PROJECT_ROOT, 'schema/binary-check.schema.json'), 'utf8'),
    )
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())))
    expect(Object.keys(committed.properties)).toEqual(
      expect.arrayContaining([
        'ecosystem',
        'recipes',
        'buildSystems',
        'specs',
        'lockfile',
        'providers',
        'concretizer',
        'deptypes',
        'containers',
        'mirror',
        'ignore',
        'packages',
      ]),
    )
  })
})
