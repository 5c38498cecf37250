/**
 * What a package name, a version and a free-text value (a variant value, a hash) read from
 * untrusted input may hold. Names and versions become spec ids, which reach CI matrices, job
 * names, file names and shell variables: they are held to a small ASCII set at the point where
 * they enter (recipe directories, manifests, lockfiles, graph.json), so a Unicode look-alike
 * (`zl\u0456b`), a path (`../../etc/x`), a line break or `${{ … }}` never becomes an id. Pure.
 *
 * Each check returns why the value is refused (a phrase for a one-line `UserError`, the value
 * quoted and cut to 80 characters), or undefined when it is fine.
 */
import { hasInvisible, quote } from './errors.js'
import { GIT_VERSION_TEXT, VERSION_TEXT } from './spec/version.js'

/** The longest package name accepted (Spack's longest is 47 characters). */
export const MAX_NAME_LENGTH = 200
/** The longest version accepted (Spack's longest is 28; a git version with its ref ~60). */
export const MAX_VERSION_LENGTH = 200
/** The longest free-text value (a variant value) accepted. */
export const MAX_VALUE_LENGTH = 1024

/**
 * A package name: lowercase ASCII letters, digits, `_`, `-` and `.`, not starting with `-` or
 * `.` — Spack's names (`py-numpy`, `3dtk`, `r-rcpp`) and PEP 503 canonical names
 * (`typing-extensions`, `zope-interface`).
 */
export const PACKAGE_NAME = /^[a-z0-9_][a-z0-9_.-]*$/

/**
 * A version as Spack spells it, in a spec and in `version()` (`1.2.3`, `2024-01_rc1`, `develop`),
 * and a git version in a lockfile (`git.<ref>=<version>`, a 40-hex commit): the spec parser's.
 */
const VERSION = VERSION_TEXT
const GIT_VERSION = GIT_VERSION_TEXT
/** A PEP 440 version as Fromager's graph writes it: epochs (`1!2.0`) and local parts (`+cu124`). */
const PYTHON_VERSION = /^[A-Za-z0-9_](?:[A-Za-z0-9_.+!-]*[A-Za-z0-9_])?$/

function tooLong(value: string, max: number): string | undefined {
  return value.length > max
    ? `expected at most ${max} characters, got ${quote(value, 80, true)}`
    : undefined
}

/** Why `name` is not a package name, or undefined. */
export function packageNameProblem(name: string): string | undefined {
  if (name === '') return 'expected a package name, got ""'
  return (
    tooLong(name, MAX_NAME_LENGTH) ??
    (PACKAGE_NAME.test(name)
      ? undefined
      : `expected a package name of lowercase ASCII letters, digits, "_", "-" and "." (${PACKAGE_NAME.source}), got ${quote(name, 80, true)}`)
  )
}

export type VersionFlavour = 'spack' | 'lockfile' | 'python'

/**
 * Why `version` is not a version, or undefined. `spack`: `version()` in a recipe, a manifest
 * version; `lockfile`: also git versions; `python`: PEP 440 (`+local`, `N!epoch`).
 */
export function versionProblem(
  version: string,
  flavour: VersionFlavour = 'spack',
): string | undefined {
  const long = tooLong(version, MAX_VERSION_LENGTH)
  if (long !== undefined) return long
  const ok =
    flavour === 'python'
      ? PYTHON_VERSION.test(version)
      : VERSION.test(version) || (flavour === 'lockfile' && GIT_VERSION.test(version))
  if (ok) return undefined
  const allowed =
    flavour === 'python'
      ? 'ASCII letters, digits, ".", "_", "-", "+" and "!"'
      : 'ASCII letters, digits, ".", "_" and "-"'
  return `expected a version of ${allowed}, starting and ending with a letter, digit or "_", got ${quote(version, 80, true)}`
}

/**
 * Why a free-text value (a variant value, a flag) cannot be taken, or undefined: it holds a
 * control or invisible character, a GitHub expression (`${{`), or is longer than 1024 characters.
 */
export function textValueProblem(value: string): string | undefined {
  const long = tooLong(value, MAX_VALUE_LENGTH)
  if (long !== undefined) return long
  if (hasInvisible(value))
    return `expected text without control or invisible characters, got ${quote(value)}`
  if (value.includes('${{'))
    return `expected text without a GitHub expression ("\${{"), got ${quote(value)}`
  return undefined
}
