/**
 * Python distribution names and versions as Fromager's overrides tree spells them: PEP 503
 * canonical names (`Torch_Vision` → `torch-vision`), override module names (`torch_vision`), and
 * `<name>-<version>` directory / file names split against the set of known packages. Pure.
 */

/** PEP 503: lowercase, every run of `-`, `_`, `.` becomes one `-`. */
export function canonicalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-')
}

/**
 * Split `<name>-<version>` (a patch directory, an sdist file stem) where `<name>` may itself hold
 * `-`, `_` or `.`: the longest prefix whose canonical form is a known package and whose rest looks
 * like a version (starts with a digit). Undefined when none fits.
 */
export function splitNameVersion(
  stem: string,
  known: ReadonlySet<string>,
): { name: string; version: string } | undefined {
  for (let i = stem.length - 1; i > 0; i--) {
    if (stem[i] !== '-') continue
    const version = stem.slice(i + 1)
    if (!/^[0-9]/.test(version)) continue
    const name = canonicalizeName(stem.slice(0, i))
    if (known.has(name)) return { name, version }
  }
  return undefined
}
