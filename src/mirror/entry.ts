/**
 * The mirror entry (ARCHITECTURE §4): one object per built spec, saying which digest it was
 * built from and where its binary is. Validated with zod wherever it is read; errors name the
 * field as `path.to.field: expected X, got Y`.
 */
import { z } from 'zod'
import { hasInvisible } from '../core/errors.js'

export const ENTRY_SCHEMA = 'binary-check/entry@1' as const

export interface ArtifactRef {
  /**
   * Mirror-relative path of the binary: `artifacts/sha256/<hex>` in a `file://` mirror,
   * `blobs/sha256:<hex>` in an `oci://` one (relative to `<registry>/v2/<repository>/`).
   */
  path: string
  /** sha256 of the binary (64 hex), the output digest. */
  sha256: string
  size: number
}

export interface MirrorEntry {
  schema: typeof ENTRY_SCHEMA
  /** The spec id (`name@version +variant … os=… target=…`): the entry's key. */
  spec: string
  package: string
  version: string
  os?: string
  compiler?: string
  /** The spec digest the binary was built from: `sha256:<64 hex>`. */
  digest: string
  packageDigest?: string
  /** What went into the digest (the `*Inputs` records), for `explain`. Canonical JSON only. */
  inputs?: unknown
  /** What went into the package digest (`PackageDigestInputs`), for `explain`. Canonical JSON only. */
  packageInputs?: unknown
  artifact: ArtifactRef
  /** The commit the binary was built from. */
  commit?: string
  /** ISO 8601 UTC time of recording. */
  builtAt: string
  /** Who built it: a CI job URL, a runner name. */
  builder?: string
}

const DIGEST = /^sha256:[0-9a-f]{64}$/
const HEX64 = /^[0-9a-f]{64}$/

/** Text a person reads back (`history`, warnings): no control or invisible characters. */
const nonEmpty = z
  .string()
  .min(1, 'expected a non-empty string')
  .refine((v) => !hasInvisible(v), 'expected text without control or invisible characters')
const digest = z.string().regex(DIGEST, 'expected sha256:<64 hex>')
/**
 * Mirror-relative, `/`-separated, no `.` or `..` segment, no leading `/`, no backslash and no
 * control character (a line break must not hide a `..` from the check: `a\n/../../etc`).
 */
const relativePath = z.string().regex(
  // eslint-disable-next-line no-control-regex
  /^(?!\/)(?![\s\S]*(?:^|\/)\.\.?(?:\/|$))[^\\\u0000-\u001f\u007f]+$/,
  'expected a mirror-relative path without ".." or "\\"',
)

const entryFields = {
  spec: nonEmpty,
  package: nonEmpty,
  version: nonEmpty,
  os: nonEmpty.optional(),
  compiler: nonEmpty.optional(),
  digest,
  packageDigest: digest.optional(),
  inputs: z.unknown().optional(),
  packageInputs: z.unknown().optional(),
  commit: nonEmpty.optional(),
  builder: nonEmpty.optional(),
}

/** Unknown fields are kept (a later `entry@1` writer may add some), not dropped. */
export const mirrorEntrySchema = z.looseObject({
  schema: z.literal(ENTRY_SCHEMA),
  ...entryFields,
  artifact: z.looseObject({
    path: relativePath,
    sha256: z.string().regex(HEX64, 'expected 64 hex digits'),
    size: z.number().int().nonnegative(),
  }),
  builtAt: z.iso.datetime({ message: 'expected an ISO 8601 UTC time (YYYY-MM-DDTHH:MM:SS.sssZ)' }),
})

/** The fields a caller of `record` supplies (everything but schema, artifact and builtAt); no others. */
export const recordFieldsSchema = z.strictObject(entryFields)

export type EntryValidation = { entry: MirrorEntry } | { error: string }

/**
 * Validate a parsed JSON value as an entry; the error is `<root>.field.path: expected X, got Y`
 * (`root` prefixes the field path, e.g. `entries["zlib@1.3"]`).
 */
export function validateEntry(value: unknown, root = ''): EntryValidation {
  const result = mirrorEntrySchema.safeParse(value, { reportInput: true })
  if (result.success) return { entry: result.data as MirrorEntry }
  return { error: describeIssue(result.error.issues[0], root) }
}

export function describeIssue(issue: z.core.$ZodIssue | undefined, root = ''): string {
  if (issue === undefined) return 'invalid'
  const path = formatPath(issue.path, root)
  let expected: string
  switch (issue.code) {
    case 'invalid_type':
      expected = `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}`
      break
    case 'invalid_value':
      expected = `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`
      break
    case 'unrecognized_keys':
      return `${path ? `${path}: ` : ''}unexpected field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
    default:
      expected = issue.message.startsWith('expected') ? issue.message : issue.message.toLowerCase()
  }
  return `${path ? `${path}: ` : ''}${expected}, got ${describeValue(issue.input)}`
}

function formatPath(path: readonly PropertyKey[], root: string): string {
  let out = root
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key))
      out += out === '' ? key : `.${key}`
    else out += `[${JSON.stringify(String(key))}]`
  }
  return out
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  const text = JSON.stringify(value)
  return text.length > 80 ? `${text.slice(0, 77)}…` : text
}
