/**
 * What `binary-check record` and the `record` sub-action share: check the digest, take the
 * package, version, os, compiler and digest inputs of a spec from the plan file (when given), and
 * store the artifact and its entry in the mirror.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { quote, UserError } from '../core/errors.js'
import type { Plan } from '../core/plan.js'
import {
  openMirror,
  type MirrorEntry,
  type RecordedFields,
  type RegistryOptions,
} from '../mirror/index.js'

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/

/** One spec to record, as a front end collected it. */
export interface RecordRequest {
  spec: string
  digest: string
  package?: string
  version?: string
  commit?: string
  builder?: string
}

/** A spec digest is `sha256:<64 hex>`; `field` names where it came from in the error. */
export function checkDigest(digest: string, field: string): void {
  if (!DIGEST_PATTERN.test(digest))
    throw new UserError('input', field, `expected sha256:<64 hex>, got ${quote(digest)}`)
}

/** Read a plan file (`binary-check/plan@1` JSON); `label` names it in errors (as the user gave it). */
export async function readRecordPlan(path: string, cwd: string, label = path): Promise<Plan> {
  try {
    return JSON.parse(await readFile(resolve(cwd, path), 'utf8')) as Plan
  } catch (e) {
    throw new UserError(
      'input',
      label,
      `cannot read the plan JSON (${(e as Error).message.split('\n')[0]})`,
    )
  }
}

/**
 * The entry fields for one spec, or undefined when neither a plan nor package and version say
 * what the spec is (each front end words that error its own way). With a plan, the spec must be
 * in it with this digest; its package, version, os, compiler and digest inputs (spec and package) go into the entry.
 */
export function recordFields(
  req: RecordRequest,
  plan: { plan: Plan; label: string } | undefined,
  digestField: string,
): RecordedFields | undefined {
  checkDigest(req.digest, digestField)
  let pkg = req.package
  let version = req.version
  let os: string | undefined
  let compiler: string | undefined
  let inputs: unknown
  let packageInputs: unknown
  let packageDigest: string | undefined
  if (plan) {
    const s = plan.plan.specs?.find((x) => x.id === req.spec)
    if (!s) throw new UserError('input', plan.label, `spec ${quote(req.spec)} is not in this plan`)
    if (s.digest !== req.digest)
      throw new UserError(
        'input',
        digestField,
        `${req.digest} is not the plan's digest for ${quote(req.spec)} (${s.digest})`,
      )
    pkg = s.package
    version = s.version
    os = s.os ?? undefined
    compiler = s.compiler ?? undefined
    inputs = s.inputs
    packageInputs = s.packageInputs
    packageDigest = s.inputs?.packageDigest
  }
  if (!pkg || !version) return undefined
  return {
    spec: req.spec,
    package: pkg,
    version,
    digest: req.digest,
    ...(os ? { os } : {}),
    ...(compiler ? { compiler } : {}),
    ...(packageDigest ? { packageDigest } : {}),
    ...(inputs ? { inputs } : {}),
    ...(packageInputs ? { packageInputs } : {}),
    ...(req.commit ? { commit: req.commit } : {}),
    ...(req.builder ? { builder: req.builder } : {}),
  }
}

/** Store the artifact (binary first, then the entry) in the mirror at `mirror`. */
export function recordArtifact(input: {
  mirror: string
  fields: RecordedFields
  artifact: string
  cwd: string
  now: Date
  /** For an `oci://` mirror (default: credentials from the environment). */
  registry?: RegistryOptions
}): Promise<MirrorEntry> {
  const registry = input.registry ? { registry: input.registry } : {}
  return openMirror(input.mirror, { cwd: input.cwd, ...registry }).record({
    entry: input.fields,
    artifactPath: resolve(input.cwd, input.artifact),
    now: input.now,
  })
}
