/**
 * `.binary-check.yml`: the zod schema (the one source of truth; the JSON Schema in
 * `schema/binary-check.schema.json` is generated from it) and pure validation with one-line
 * `field.path: expected X, got Y` errors.
 */
import { z } from 'zod'

const depType = z.enum(['build', 'link', 'run', 'test'])

const specMatrix = z
  .object({
    matrix: z
      .array(z.array(z.string().min(1)).min(1))
      .min(1)
      .describe('Lists to cross: every combination joined with spaces is one spec request.'),
  })
  .strict()

const manifestDependency = z.union([
  z.string().min(1),
  z
    .object({
      spec: z.string().min(1).describe('Dependency constraint, e.g. "zlib@1.2:"'),
      types: z.array(depType).min(1).optional().describe('Deptypes (default: [build, link]).'),
      when: z.string().optional().describe('Condition on this package, e.g. "+ssl".'),
    })
    .strict(),
])

const manifestVersion = z
  .object({
    sha256: z.string().optional(),
    url: z.string().optional(),
    commit: z.string().optional(),
    deprecated: z.boolean().optional(),
    preferred: z.boolean().optional(),
  })
  .strict()

const manifestPackage = z
  .object({
    inputs: z
      .array(z.string().min(1))
      .default([])
      .describe('Globs (repository-relative) of files whose content enters the package digest.'),
    versions: z.record(z.string(), manifestVersion).default({}),
    variants: z.record(z.string(), z.union([z.boolean(), z.string()])).default({}),
    dependencies: z.array(manifestDependency).default([]),
    provides: z.array(z.string()).default([]),
  })
  .strict()

const buildEnvironment = z
  .object({
    env: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Environment variables whose values enter the signature (an unset one is an error).',
      ),
    optionalEnv: z
      .array(z.string().min(1))
      .default([])
      .describe('Environment variables that enter the signature when set and may be missing.'),
    files: z
      .array(z.string().min(1))
      .default([])
      .describe('Globs (repository-relative) of files whose content enters the signature.'),
    command: z
      .union([z.array(z.string().min(1)).min(1), z.string()])
      .optional()
      .describe(
        'A signature command as an argv list, e.g. ["./ci/signature.sh", "--arg"]; its stdout enters the signature.',
      ),
    commandTimeout: z
      .string()
      .optional()
      .describe('How long the command may run, e.g. "30s", "500ms", "2m" (default 30s).'),
    image: z
      .boolean()
      .optional()
      .describe(
        "Resolve the container image to its manifest digest (through the image's registry).",
      ),
  })
  .strict()

export const configSchema = z
  .object({
    ecosystem: z
      .enum(['spack', 'manifest', 'fromager'])
      .default('spack')
      .describe('Recipe ecosystem.'),
    recipes: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe(
        'Recipe roots (repository-relative). Spack: directories holding <name>/package.py; the spack_repo layout (py_numpy → py-numpy) is recognised.',
      ),
    buildSystems: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Folder of build-system base classes, e.g. repos/spack_repo/builtin/build_systems.',
      ),
    specs: z
      .array(z.union([z.string().min(1), specMatrix]))
      .optional()
      .describe('The spec set: spec strings and/or matrices of lists to cross.'),
    lockfile: z.string().min(1).optional().describe('A Spack spack.lock (repository-relative).'),
    providers: z
      .record(z.string(), z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]))
      .default({})
      .describe(
        "Virtual → preferred provider, or a list (the first that is a package wins), e.g. {mpi: openmpi, zlib-api: [zlib-ng+compat, zlib]}. Replaces Spack's default preference for that virtual.",
      ),
    concretizer: z
      .object({
        unify: z
          .union([z.boolean(), z.literal('when_possible')])
          .default(true)
          .describe(
            'One node per package (per compiler/os/target/platform) across the specs: true (an error when requests conflict), when_possible (conflicting requests get their own nodes), or false (every request on its own).',
          ),
        reuse: z
          .boolean()
          .default(true)
          .describe(
            'Keep the version the base commit resolved a package to (or, without a base, one the mirror holds) while it exists and is not deprecated; false: always the newest.',
          ),
      })
      .strict()
      .default({ unify: true, reuse: true })
      .describe("How spec requests resolve, after Spack's concretizer settings."),
    deptypes: z
      .array(depType)
      .min(1)
      .default(['build', 'link', 'run'])
      .describe('Which dependency edges propagate a rebuild.'),
    containers: z
      .array(
        z
          .object({
            when: z.string().describe('Spec constraint, e.g. "os=ubuntu24.04 %gcc@13".'),
            image: z.string().min(1).describe('Container image that builds matching specs.'),
            environment: buildEnvironment
              .optional()
              .describe("This container's build-environment signature (added to the global one)."),
          })
          .strict(),
      )
      .default([])
      .describe('Build container per spec; the first match wins.'),
    environment: buildEnvironment
      .optional()
      .describe('Build-environment signature inputs for every spec (see README).'),
    mirror: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Mirror URL: file://…, oci://…, or a Spack build cache spack+file://…, spack+https://…, spack+oci://… (with lockfile:).',
      ),
    ignore: z
      .array(z.string().min(1))
      .default([])
      .describe('Globs of repository paths that never trigger anything.'),
    packages: z
      .record(z.string(), manifestPackage)
      .optional()
      .describe('Manifest ecosystem: the packages, their input globs, versions and dependencies.'),
    fromager: z
      .object({
        graph: z
          .string()
          .min(1)
          .optional()
          .describe("Fromager's graph.json (repository-relative; default graph.json)."),
        settings: z
          .string()
          .min(1)
          .optional()
          .describe('Folder of <name>.yaml package settings (default overrides/settings).'),
        patches: z
          .string()
          .min(1)
          .optional()
          .describe('Folder of <name>[-<version>]/ patch folders (default overrides/patches).'),
        variants: z
          .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/))
          .min(1)
          .optional()
          .describe('Variants every wheel is built for (default [cpu]): ids end in variant=<v>.'),
        plugins: z
          .record(z.string(), z.string().min(1))
          .optional()
          .describe('Package → plugin: a repository path (x/y.py) or a dotted module (x.y).'),
        sdists: z
          .string()
          .min(1)
          .optional()
          .describe('Folder of <name>-<version>.tar.gz sdists (when graph.json has no sha256).'),
        envFiles: z
          .array(z.string().min(1))
          .optional()
          .describe('Paths or globs of env files whose content enters every package digest.'),
      })
      .strict()
      .optional()
      .describe('Fromager ecosystem: where the overrides tree, graph and sdists are.'),
  })
  .strict()

export type Config = z.output<typeof configSchema>
export type ManifestPackageConfig = z.output<typeof manifestPackage>
export type BuildEnvironmentConfig = z.output<typeof buildEnvironment>

export interface ConfigProblem {
  path: string
  message: string
}

/** Validate a parsed YAML value: `{config}` or the problems, each one line. */
export function validateConfig(value: unknown): { config: Config } | { problems: ConfigProblem[] } {
  const result = configSchema.safeParse(value ?? {}, { reportInput: true })
  if (!result.success) return { problems: result.error.issues.map(describeIssue) }
  const config = result.data
  const problems = CONFIG_RULES.flatMap((rule) => rule(config))
  return problems.length > 0 ? { problems } : { config }
}

type Rule = (c: Config) => ConfigProblem[]

const manifestNeedsPackages: Rule = (c) =>
  c.ecosystem === 'manifest' && !c.packages
    ? [
        {
          path: 'packages',
          message: 'expected a map of packages (ecosystem is "manifest"), got nothing',
        },
      ]
    : []

const spackHasNoPackagesMap: Rule = (c) =>
  c.ecosystem === 'spack' && c.packages
    ? [
        {
          path: 'packages',
          message: 'only valid with ecosystem: manifest (spack recipes come from package.py files)',
        },
      ]
    : []

const PACKAGE_NAME = /^[a-z0-9][a-z0-9._+-]*$/
const manifestPackageNames: Rule = (c) =>
  Object.keys(c.packages ?? {})
    .filter((n) => !PACKAGE_NAME.test(n))
    .map((n) => ({
      path: `packages.${n}`,
      message: `expected a package name matching ${PACKAGE_NAME.source}, got "${n}"`,
    }))

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/
/** A `commandTimeout` in milliseconds (undefined when malformed). */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim())
  if (!m) return undefined
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000)
}
const environmentFields: Rule = (c) =>
  [
    ...(c.environment ? [{ at: 'environment', e: c.environment }] : []),
    ...c.containers.flatMap((k, i) =>
      k.environment ? [{ at: `containers.${i}.environment`, e: k.environment }] : [],
    ),
  ].flatMap(({ at, e }) => [
    ...(typeof e.command === 'string'
      ? [
          {
            path: `${at}.command`,
            message: `expected an argv list, e.g. ["./ci/signature.sh", "--arg"] (no shell splits a string), got string ${truncate(JSON.stringify(e.command))}`,
          },
        ]
      : []),
    ...(e.commandTimeout !== undefined && !parseDuration(e.commandTimeout)
      ? [
          {
            path: `${at}.commandTimeout`,
            message: `expected a duration like "30s", "500ms" or "2m", got "${e.commandTimeout}"`,
          },
        ]
      : []),
    ...e.env
      .filter((n) => e.optionalEnv.includes(n))
      .map((n) => ({
        path: `${at}.optionalEnv`,
        message: `${n} is also in env (list it in one of them)`,
      })),
  ])

const fromagerFields: Rule = (c) => [
  ...(c.fromager && c.ecosystem !== 'fromager'
    ? [
        {
          path: 'fromager',
          message: `only valid with ecosystem: fromager, got ecosystem ${c.ecosystem}`,
        },
      ]
    : []),
  ...(c.ecosystem === 'fromager'
    ? (['packages', 'lockfile', 'specs', 'recipes', 'buildSystems'] as const)
        .filter((k) => c[k] !== undefined)
        .map((k) => ({
          path: k,
          message:
            'not used with ecosystem: fromager (the spec set is graph.json × fromager.variants)',
        }))
    : []),
]

export const CONFIG_RULES: readonly Rule[] = [
  manifestNeedsPackages,
  spackHasNoPackagesMap,
  manifestPackageNames,
  environmentFields,
  fromagerFields,
]

function describeIssue(issue: z.core.$ZodIssue): ConfigProblem {
  const path = issue.path.map(String).join('.') || '(root)'
  const got = 'input' in issue ? describeValue(issue.input) : undefined
  switch (issue.code) {
    case 'invalid_type':
      return { path, message: `expected ${issue.expected}, got ${got ?? 'nothing'}` }
    case 'invalid_value':
      return {
        path,
        message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`,
      }
    case 'unrecognized_keys':
      return {
        path,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
      }
    case 'too_small':
      return {
        path,
        message: `expected at least ${String(issue.minimum)} ${issue.origin === 'string' ? 'character(s)' : 'item(s)'}, got ${got}`,
      }
    case 'invalid_union':
      return { path, message: `expected ${unionExpectation(path)}, got ${got}` }
    default:
      return { path, message: `${issue.message}${got ? `, got ${got}` : ''}` }
  }
}

function unionExpectation(path: string): string {
  if (path.startsWith('specs')) return 'a spec string or {matrix: [[...], ...]}'
  if (path.startsWith('recipes')) return 'a path or a list of paths'
  if (path === 'concretizer.unify') return 'true, false or "when_possible"'
  if (path.startsWith('providers.')) return 'a provider name or a list of provider names'
  if (path.includes('dependencies')) return 'a spec string or {spec, types, when}'
  if (path.includes('variants')) return 'a boolean or a string'
  return 'a valid value'
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  if (Array.isArray(v)) return `a list (${truncate(JSON.stringify(v))})`
  if (typeof v === 'object') return `a map (${truncate(JSON.stringify(v))})`
  return `${typeof v} ${truncate(JSON.stringify(v))}`
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

/** Expand `specs` (strings and matrices) to spec request strings, with their config places. */
export function expandSpecRequests(config: Config): { spec: string; place: string }[] {
  const out: { spec: string; place: string }[] = []
  ;(config.specs ?? []).forEach((entry, i) => {
    if (typeof entry === 'string') {
      out.push({ spec: entry, place: `specs.${i}` })
      return
    }
    let combos: string[][] = [[]]
    for (const list of entry.matrix) combos = combos.flatMap((c) => list.map((x) => [...c, x]))
    combos.forEach((c) => out.push({ spec: c.join(' '), place: `specs.${i}.matrix` }))
  })
  return out
}

export function recipeRoots(config: Config): string[] {
  if (config.recipes === undefined) return config.ecosystem === 'spack' ? ['packages'] : []
  return typeof config.recipes === 'string' ? [config.recipes] : config.recipes
}
