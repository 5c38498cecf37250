/**
 * Maps Python import statements of a Spack repository to repository files: the `spack_repo`
 * namespace layout (`spack_repo.builtin.build_systems.cmake` → `repos/spack_repo/builtin/build_systems/cmake.py`),
 * the classic `spack.pkg.<namespace>.<name>` package modules, and relative imports.
 */
export interface ImportRef {
  /** Dotted module, leading dots kept for relative imports (`..build_systems.cmake`). */
  module: string
  names: string[]
}

/** Candidate repository paths for an import made from `fromFile`. */
export function importCandidates(
  imp: ImportRef,
  fromFile: string,
  recipeRoots: readonly string[],
): string[] {
  const mod = imp.module
  const out: string[] = []
  const asFiles = (base: string): string[] => [`${base}.py`, `${base}/__init__.py`]
  if (mod.startsWith('.')) {
    const level = mod.length - mod.replace(/^\.+/, '').length
    const rest = mod.slice(level)
    const parts = fromFile.split('/').slice(0, -1)
    const up = parts.slice(0, Math.max(0, parts.length - (level - 1)))
    const base = [...up, ...(rest ? rest.split('.') : [])].join('/')
    if (rest) out.push(...asFiles(base))
    // `from . import x` / `from .. import x`: the names may be modules
    for (const n of imp.names)
      out.push(...asFiles([...up, ...(rest ? rest.split('.') : []), n].join('/')))
    return out
  }
  const segs = mod.split('.')
  if (segs[0] === 'spack_repo') {
    for (const root of recipeRoots) {
      const i = root.split('/').indexOf('spack_repo')
      if (i < 0) continue
      const prefix = root.split('/').slice(0, i).join('/')
      const base = [prefix, ...segs].filter((s) => s !== '').join('/')
      out.push(...asFiles(base))
      for (const n of imp.names) out.push(...asFiles(`${base}/${n}`))
    }
    return out
  }
  if (segs[0] === 'spack' && segs[1] === 'pkg' && segs.length >= 4) {
    const pkgModule = segs[3]!
    for (const root of recipeRoots) {
      out.push(
        `${root}/${pkgModule}/package.py`,
        `${root}/${pkgModule.replace(/_/g, '-')}/package.py`,
      )
    }
  }
  return out
}

/** Package name for a package directory in a recipe root. */
export function packageNameForDirectory(dir: string, root: string): string {
  if (!root.split('/').includes('spack_repo')) return dir
  // spack_repo layout (Spack's pkg_dir_to_pkg_name): py_numpy → py-numpy, _3dtk → 3dtk,
  // _global → global (names that are Python keywords or start with a digit get a leading `_`)
  return dir.replace(/^_+/, '').replace(/_/g, '-')
}
