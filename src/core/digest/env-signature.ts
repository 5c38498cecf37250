/**
 * Build-environment signatures (ARCHITECTURE §3, issue 5 §2): what a spec's build environment is
 * made of — its container image (and, with `image: true`, the image's manifest digest), the values
 * of declared environment variables, the contents of declared files, and the output of an optional
 * signature command — as one record, its digest, and the human-readable difference between two
 * records. Pure: the adapter in `src/env/` gathers the values.
 *
 * Values enter the digest only through their hashes; a value is kept beside its hash for
 * explanations only when it is short and its name does not look like a secret.
 */
import { DIGEST_ALGORITHM, digestOf, digestText, type Digest } from '../canonical-encode.js'

/** One environment variable (or command output): its hash, and the value when safe to show. */
export interface EnvValue {
  sha256: string
  value?: string
}

export interface EnvSignatureInputs {
  algorithm: string
  /** The container image reference (null: no container). */
  container: string | null
  /**
   * Absent when no `environment` applies to the spec (the signature is then H(container) only,
   * as before environments existed).
   */
  environment?: {
    /** `sha256:…` of the image manifest (`image: true`), else null. */
    image: string | null
    /** Variable → value record; null for a declared optional variable that is not set. */
    env: Record<string, EnvValue | null>
    /** Repository path → git blob id (matched by the `files` globs, in that side's tree). */
    files: Record<string, string>
    /** The signature command (argv) and its stdout, or null without one. */
    command: { argv: string[]; output: EnvValue } | null
  }
}

const SHOWN_MAX = 64
const SECRET_NAME = /TOKEN|PASSWORD|PASSWD|SECRET|KEY|CREDENTIAL/i

/** A value's record: its hash, plus the value itself when short, one line and not secret-named. */
export function envValueRecord(name: string, value: string): EnvValue {
  const shown = value.length <= SHOWN_MAX && !/[\r\n]/.test(value) && !SECRET_NAME.test(name)
  return { sha256: digestText(value), ...(shown ? { value } : {}) }
}

/** The signature: shown values are left out (only hashes enter), so showing never changes it. */
export function envSignatureDigest(inputs: EnvSignatureInputs): Digest {
  const e = inputs.environment
  if (!e) return digestOf({ algorithm: DIGEST_ALGORITHM, container: inputs.container })
  const env: Record<string, string | null> = {}
  for (const [k, v] of Object.entries(e.env)) env[k] = v ? v.sha256 : null
  return digestOf({
    algorithm: DIGEST_ALGORITHM,
    container: inputs.container,
    environment: {
      image: e.image,
      env,
      files: e.files,
      command: e.command ? { argv: e.command.argv, output: e.command.output.sha256 } : null,
    },
  })
}

/**
 * What differs from `a` to `b`, one phrase each: `CUDA_VERSION 12.4 → 12.6`,
 * `image ghcr.io/org/builder:cuda12 moved to sha256:…`, `file containers/cuda.Containerfile changed`.
 */
export function diffEnvSignatures(a: EnvSignatureInputs, b: EnvSignatureInputs): string[] {
  const out: string[] = []
  if (a.algorithm !== b.algorithm) out.push(`digest algorithm ${a.algorithm} → ${b.algorithm}`)
  if (a.container !== b.container)
    out.push(`container ${a.container ?? '(none)'} → ${b.container ?? '(none)'}`)
  const x = a.environment
  const y = b.environment
  if (!x && !y) return out
  if (!x || !y) {
    out.push(y ? 'environment signature declared' : 'environment signature no longer declared')
    return out
  }
  if (x.image !== y.image && a.container === b.container)
    out.push(
      y.image
        ? `image ${b.container ?? '(none)'} moved to ${y.image}${x.image ? ` (was ${x.image})` : ''}`
        : `image ${b.container ?? '(none)'} digest no longer checked`,
    )
  for (const k of unionKeys(x.env, y.env)) {
    const u = x.env[k]
    const v = y.env[k]
    if ((u?.sha256 ?? null) === (v?.sha256 ?? null)) continue
    if (u === undefined) out.push(`${k} declared${v ? ` (${shown(v)})` : ''}`)
    else if (v === undefined) out.push(`${k} no longer declared`)
    else if (u === null) out.push(`${k} set (${shown(v!)})`)
    else if (v === null) out.push(`${k} unset (was ${shown(u)})`)
    else out.push(`${k} ${shown(u)} → ${shown(v)}`)
  }
  for (const k of unionKeys(x.files, y.files)) {
    if (x.files[k] === y.files[k]) continue
    out.push(
      `file ${k} ${x.files[k] === undefined ? 'added' : y.files[k] === undefined ? 'removed' : 'changed'}`,
    )
  }
  const c = x.command
  const d = y.command
  if (JSON.stringify(c?.argv ?? null) !== JSON.stringify(d?.argv ?? null))
    out.push(
      `command ${c ? JSON.stringify(c.argv) : '(none)'} → ${d ? JSON.stringify(d.argv) : '(none)'}`,
    )
  else if (c && d && c.output.sha256 !== d.output.sha256)
    out.push(`command ${d.argv.join(' ')} output ${shown(c.output)} → ${shown(d.output)}`)
  return out
}

function shown(v: EnvValue): string {
  return v.value !== undefined ? JSON.stringify(v.value).slice(1, -1) || '""' : v.sha256
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort((p, q) =>
    p < q ? -1 : p > q ? 1 : 0,
  )
}
