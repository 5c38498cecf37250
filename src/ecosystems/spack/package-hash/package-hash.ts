/**
 * Spack's own recipe hashes, computed without Spack:
 *
 * - `canonical_source(spec)`: the recipe's syntax tree with docstrings, directives, metadata and the
 *   `@when` methods the spec cannot select removed, unparsed the way Spack's unparser writes it;
 * - `package_hash(spec)`: base32 of sha1 over that text (Spack's `b32_hash`);
 * - `content_hash`: base32 of sha256 over the sorted parts (the version's source id, each applied
 *   patch as `sha256:level`, and the package hash) — the value a `spack.lock` stores as a node's
 *   `package_hash`.
 */
import { createHash } from 'node:crypto'
import { isUserError, UserError } from '../../../core/errors.js'
import { parsePython, type PySource } from '../recipe/syntax.js'
import type { PyAst } from './python-ast.js'
import { SpackUnparseError, unparseSpack } from './spack-unparse.js'
import { toPythonAst } from './syntax-to-ast.js'
import {
  hasMultiMethods,
  removeDirectives,
  removeDocstrings,
  resolveMultiMethods,
} from './transformers.js'
import type { SpecView } from '../../../core/spec/constraint.js'
import { whenEvaluator, type HashSpec } from './spec-conditions.js'

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** RFC 4648 base32, lower case, with `=` padding (Python's `b32encode(...).lower()`). */
export function base32(bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31]
  while (out.length % 8 !== 0) out += '='
  return out
}

/** Spack's `package_hash` of a canonical source text. */
export function packageHashOf(canonicalSource: string): string {
  return base32(createHash('sha1').update(canonicalSource, 'utf8').digest())
}

/**
 * Spack's `content_hash`: the version's source id (`''` when Spack finds no fetcher), each patch
 * as `sha256:level`, and the package hash, sorted and joined.
 */
export function contentHashOf(
  sourceId: string,
  patches: readonly string[],
  packageHash: string,
): string {
  const parts = [sourceId, ...patches, packageHash].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return base32(createHash('sha256').update(parts.join(''), 'utf8').digest())
}

export interface CanonicalSource {
  text: string
  /** Whether a `@when` method made the text depend on the spec. */
  multimethods: boolean
}

/** Spack's `canonical_source` of a recipe for `spec`. */
export function canonicalSource(
  recipe: string,
  file: string,
  spec: HashSpec | SpecView,
): CanonicalSource {
  const tree = toPythonAst(parsePython(recipe, file))
  removeDocstrings(tree)
  removeDirectives(tree)
  const multimethods = hasMultiMethods(tree)
  // Always: two undecorated definitions of one name anywhere in the module keep only the last,
  // whether or not a `@when` is in the file.
  resolveMultiMethods(tree, whenEvaluator(spec))
  return { text: unparseOrFail(tree, file), multimethods }
}

/** Spack's unparse of `tree`; a module its unparser cannot write is a `UserError` on `file`. */
function unparseOrFail(tree: PyAst, file: string): string {
  try {
    return unparseSpack(tree)
  } catch (e) {
    if (e instanceof SpackUnparseError)
      throw new UserError('recipe', file, `Spack's unparser cannot write it: ${e.message}`)
    throw e
  }
}

/**
 * A recipe's `package_hash` when it does not depend on the spec (no `@when` method: the spec only
 * selects among those), else `{ multimethods: true }` — the caller hashes it with its spec. What
 * the worker threads compute for a whole repository.
 */
export function specIndependentPackageHash(
  recipe: string,
  file: string,
  parsed?: PySource,
): SpecIndependentHash {
  let tree: PyAst
  try {
    tree = toPythonAst(parsed ?? parsePython(recipe, file))
  } catch (e) {
    if (isUserError(e)) return { error: e.oneLine() }
    throw e
  }
  removeDocstrings(tree)
  removeDirectives(tree)
  if (hasMultiMethods(tree)) return { multimethods: true }
  resolveMultiMethods(tree, () => null)
  try {
    return { packageHash: packageHashOf(unparseOrFail(tree, file)) }
  } catch (e) {
    if (isUserError(e)) return { error: e.oneLine() }
    throw e
  }
}

export type SpecIndependentHash =
  { packageHash: string } | { multimethods: true } | { error: string }
