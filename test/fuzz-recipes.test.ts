/**
 * Property-based fuzzing of the Python recipe analyser (issue 10 §4): real `package.py` files of
 * spack-packages-2025-12.bundle (and the repository's fixtures), mutated — lines deleted,
 * duplicated, swapped, re-indented; brackets, quotes and odd characters inserted; truncated. The
 * parser either reads a mutant or throws a one-line `UserError`; the analysis the planner caches
 * (`analyseRecipe`) and the `spack-hash` reader (`analyseAndHashRecipe`) never throw at all (a
 * recipe that does not parse is `unreadable`). Bounded (test/support/fuzz.ts); FC_RUNS=<n> for a
 * long campaign, FC_SEED=<seed> to replay. The corpus part skips with a message where ../shared
 * is absent; the fixture part always runs.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserError } from '../src/core/errors.js'
import { analyseAndHashRecipe } from '../src/ecosystems/spack/package-hash/analyse-and-hash.js'
import { analyseRecipe } from '../src/ecosystems/spack/read-spack-packages.js'
import { canonicalizePythonModule, parseSpackRecipe } from '../src/ecosystems/spack/recipe/index.js'
import {
  applyEdits,
  CAMPAIGN,
  checkReason,
  fuzz,
  nested,
  reportCases,
  textEdits,
  valueOrUserError,
  type TextEdit,
} from './support/fuzz.js'
import { PROJECT_ROOT } from './support/run-dist.js'

const BUNDLE = join(PROJECT_ROOT, '../shared/corpus/spack-packages-2025-12.bundle')
const HAVE_CORPUS = existsSync(BUNDLE)
if (!HAVE_CORPUS)
  console.warn(`fuzz-recipes: corpus part skipped: ${BUNDLE} is absent (it ships in ../shared)`)

/** How many real recipes are mutated (spread over the alphabet), and build-system modules. */
const RECIPES = 50
const BUILD_SYSTEMS = 6

interface Recipe {
  path: string
  text: string
}

/** Mutants that still parsed (reported with the case counts of a long campaign). */
let parsedMutants = 0
let mutants = 0
afterAll(() => {
  reportCases('fuzz-recipes')
  if (CAMPAIGN)
    console.log(`fuzz fuzz-recipes: ${parsedMutants} of ${mutants} recipe mutants parsed`)
})

/** Every reader of a recipe text, held to its property. */
function checkRecipe(text: string, path: string): void {
  const parsed = valueOrUserError(() => parseSpackRecipe(text, path))
  mutants++
  if (!(parsed instanceof UserError)) parsedMutants++
  const analysis = analyseRecipe(text, path) // never throws: unreadable instead
  if (parsed instanceof UserError) {
    expect(analysis.unreadable).toBeDefined()
    checkReason(analysis.unreadable!.message, 'unreadable')
  } else expect(analysis.unreadable).toBeUndefined()
  const both = analyseAndHashRecipe(text, path) // never throws either
  if ('error' in both.hash) checkReason(both.hash.error, 'package hash')
}

/** Edits that leave lines whole (so more mutants get past the parser, into the readers). */
const lineEdits: fc.Arbitrary<TextEdit[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('delete-line' as const), at: fc.double({ min: 0, max: 0.999 }) }),
    fc.record({
      kind: fc.constant('duplicate-line' as const),
      at: fc.double({ min: 0, max: 0.999 }),
    }),
    fc.record({
      kind: fc.constant('swap-lines' as const),
      at: fc.double({ min: 0, max: 0.999 }),
      to: fc.double({ min: 0, max: 0.999 }),
    }),
  ),
  { minLength: 1, maxLength: 4 },
)

function fuzzRecipes(name: string, recipes: () => Recipe[], numRuns: number): void {
  for (const [title, tag, edits] of [
    ['arbitrary edits', 'edits', textEdits],
    ['whole-line edits', 'lines', lineEdits],
  ] as const)
    it(`${name}: ${title}`, () => {
      const all = recipes()
      fuzz(
        `${name}/${tag}`,
        fc.tuple(fc.nat(), edits),
        ([i, e]) => {
          const r = all[i % all.length]!
          checkRecipe(applyEdits(r.text, e), r.path)
        },
        { numRuns, timeLimitMs: 12_000 },
      )
    })
}

describe('fuzz: recipe analyser on the repository fixtures', () => {
  const dir = join(PROJECT_ROOT, 'test/fixtures/spack-recipes')
  const fixtures: Recipe[] = readdirSync(dir)
    .filter((f) => f.endsWith('.py'))
    .map((f) => ({
      path: `repos/spack_repo/builtin/packages/${f.replace(/-[^-]+\.py$/, '').replace(/-/g, '_')}/package.py`,
      text: readFileSync(join(dir, f), 'utf8'),
    }))

  it('the fixtures read', () => {
    for (const r of fixtures)
      expect(parseSpackRecipe(r.text, r.path).versions.length).toBeGreaterThan(0)
  })
  fuzzRecipes('fixtures', () => fixtures, 150)

  it('deep nesting and long lines are refused or read, never a crash', () => {
    const head = 'from spack.package import *\n\nclass Foo(Package):\n'
    const arb = fc.oneof(
      fc.integer({ min: 1, max: 5_000 }).map((d) => `${head}    x = ${nested('(', ')', d, '1')}\n`),
      fc.integer({ min: 1, max: 5_000 }).map((d) => `${head}    x = ${nested('[', ']', d)}\n`),
      fc.integer({ min: 1, max: 5_000 }).map((d) => `${head}    x = ${'-'.repeat(d)}1\n`),
      fc.integer({ min: 1, max: 5_000 }).map((d) => `${head}    x = ${'not '.repeat(d)}1\n`),
      fc.integer({ min: 1, max: 2_000 }).map((d) => `${head}    x = 1${' + 1'.repeat(d)}\n`),
      fc.integer({ min: 1, max: 2_000 }).map((d) => `${head}    x = a${'.b'.repeat(d)}\n`),
      fc.integer({ min: 1, max: 2_000 }).map((d) => `${head}    x = f${'()'.repeat(d)}\n`),
      fc
        .integer({ min: 1, max: 300 })
        .map(
          (d) =>
            head +
            Array.from({ length: d }, (_, i) => `${'    '.repeat(i + 1)}if x:\n`).join('') +
            `${'    '.repeat(d + 1)}pass\n`,
        ),
      fc
        .integer({ min: 1, max: 300 })
        .map(
          (d) =>
            head +
            Array.from(
              { length: d },
              (_, i) => `${'    '.repeat(i + 1)}with when("+a${i}"):\n`,
            ).join('') +
            `${'    '.repeat(d + 1)}depends_on("zlib")\n`,
        ),
      fc
        .integer({ min: 1, max: 2_000 })
        .map((d) => `${head}    version("1", sha256="${'a'.repeat(d * 10)}")\n`),
      fc.integer({ min: 1, max: 2_000 }).map((d) => `${head}    x = "${'\\'.repeat(d)}"\n`),
    )
    fuzz(
      'fixtures/deep',
      arb,
      (text) => checkRecipe(text, 'repos/spack_repo/builtin/packages/foo/package.py'),
      {
        numRuns: 80,
        timeLimitMs: 12_000,
      },
    )
  })
})

describe.skipIf(!HAVE_CORPUS)(
  'fuzz: recipe analyser on real recipes (needs ../shared/corpus; skipped when absent)',
  () => {
    let work: string | undefined
    let recipes: Recipe[] = []
    let modules: Recipe[] = []

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'bc-fuzz-recipes-'))
      const repo = join(work, 'spack-packages')
      execFileSync('git', ['clone', '--quiet', '--no-checkout', BUNDLE, repo])
      const git = (args: string[], input?: string): Buffer =>
        execFileSync('git', ['-C', repo, ...args], {
          maxBuffer: 256 * 2 ** 20,
          ...(input !== undefined ? { input } : {}),
        })
      const paths = git(['ls-tree', '-r', '--name-only', 'HEAD', '--', 'repos/spack_repo/builtin'])
        .toString('utf8')
        .split('\n')
      const pkgs = paths
        .filter((p) => /^repos\/spack_repo\/builtin\/packages\/[^/]+\/package\.py$/.test(p))
        .sort()
      const systems = paths
        .filter((p) => /^repos\/spack_repo\/builtin\/build_systems\/[^/]+\.py$/.test(p))
        .sort()
      // Spread over the alphabet, plus the largest recipe (gcc) and a few build systems.
      const pick = (all: string[], n: number) =>
        Array.from(
          { length: Math.min(n, all.length) },
          (_, i) => all[Math.floor((i * all.length) / n)]!,
        )
      const chosen = [
        ...new Set([
          ...pick(pkgs, RECIPES - 1),
          'repos/spack_repo/builtin/packages/gcc/package.py',
        ]),
      ]
      const chosenSystems = pick(systems, BUILD_SYSTEMS)
      const read = (list: string[]): Recipe[] => {
        const out = git(['cat-file', '--batch'], list.map((p) => `HEAD:${p}\n`).join(''))
        const texts: Recipe[] = []
        let pos = 0
        for (const path of list) {
          const eol = out.indexOf(10, pos)
          const size = Number(out.toString('latin1', pos, eol).split(' ')[2])
          texts.push({ path, text: out.toString('utf8', eol + 1, eol + 1 + size) })
          pos = eol + 1 + size + 1
        }
        return texts
      }
      recipes = read(chosen)
      modules = read(chosenSystems)
    })
    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true })
    })

    it(`picks ${RECIPES} real recipes that read`, () => {
      expect(recipes.length).toBe(RECIPES)
      for (const r of recipes)
        expect(valueOrUserError(() => parseSpackRecipe(r.text, r.path))).not.toBeInstanceOf(
          UserError,
        )
    })
    fuzzRecipes('corpus', () => recipes, 200)

    it('build-system modules: canonicalizePythonModule reads mutants or throws a UserError', () => {
      const arb = fc.tuple(fc.nat(), textEdits)
      fuzz(
        'corpus/build-systems',
        arb,
        ([i, edits]) => {
          const m = modules[i % modules.length]!
          void valueOrUserError(() => canonicalizePythonModule(applyEdits(m.text, edits), m.path))
        },
        { numRuns: 100, timeLimitMs: 8_000 },
      )
    })

    it('recipes spliced together: one recipe with another pasted in at a random line', () => {
      const arb = fc.tuple(fc.nat(), fc.nat(), fc.double({ min: 0, max: 0.999 }), fc.boolean())
      fuzz(
        'corpus/spliced',
        arb,
        ([i, j, at, indent]) => {
          const a = recipes[i % recipes.length]!
          const b = recipes[j % recipes.length]!.text
          const lines = a.text.split('\n')
          const k = Math.floor(at * lines.length)
          const pasted = indent ? b.replace(/^/gm, '    ') : b
          checkRecipe([...lines.slice(0, k), pasted, ...lines.slice(k)].join('\n'), a.path)
        },
        { numRuns: 60, timeLimitMs: 8_000 },
      )
    })
  },
)
