/**
 * Which class in a recipe is the package. Spack names it after the package directory
 * (`py-numpy` / `py_numpy` → `PyNumpy`, `3dtk` → `_3dtk`), so that class wins when present.
 * Otherwise: the first package-like class that no other class in the file derives from, where
 * package-like means deriving from a base named `…Package` or `PackageBase`, from a class imported
 * from a package repository (`spack_repo.*`, `spack.pkg.*`, a relative import) that is not a
 * builder, or from another package-like class of the same file.
 */
import { Writer } from './emit.js'
import type { RecipeImport } from './imports.js'
import type { Stmt } from './statements.js'
import type { PyNode } from './syntax.js'

export interface PackageClass {
  /** Index of the class statement in the module body. */
  index: number
  name: string
  /** Direct base classes as written (dotted names re-emitted canonically). */
  bases: string[]
  /** Module-body indices of the same-file classes it derives from (directly or not), in order. */
  ancestors: number[]
}

interface ClassInfo {
  index: number
  name: string
  bases: string[]
}

const REPO_MODULE = /^(spack_repo\.|spack\.pkg\.|\.)/

/** Spack's package-name → class-name rule, applied to the directory holding `package.py`. */
export function expectedClassName(file: string): string | undefined {
  const parts = file.split(/[\\/]/)
  const dir = parts[parts.length - 2]
  if (parts[parts.length - 1] !== 'package.py' || dir === undefined || dir.length === 0)
    return undefined
  const words = dir.replace(/[-_]+/g, '-').split('-')
  const name = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join('')
  return /^[0-9]/.test(name) ? `_${name}` : name
}

export function findPackageClass(
  body: readonly Stmt[],
  imports: readonly RecipeImport[],
  text: string,
  file: string,
): PackageClass | undefined {
  const classes = topLevelClasses(body, text)
  const byName = new Map<string, ClassInfo>()
  for (const c of classes) if (!byName.has(c.name)) byName.set(c.name, c)

  const repoNames = new Set<string>()
  for (const entry of imports) {
    if (!REPO_MODULE.test(entry.module)) continue
    const aliasOf = new Map(
      Object.entries(entry.aliases ?? {}).map(([alias, name]) => [name, alias]),
    )
    for (const name of entry.names) repoNames.add(aliasOf.get(name) ?? name)
    // import spack_repo.builtin.packages.boost.package as boost
    if (entry.names.length === 0)
      for (const alias of Object.keys(entry.aliases ?? {})) repoNames.add(alias)
  }

  const packageLike = new Map<string, boolean>()
  const isPackageLike = (c: ClassInfo): boolean => {
    const known = packageLike.get(c.name)
    if (known !== undefined) return known
    packageLike.set(c.name, false) // a cycle is not package-like
    const result = c.bases.some((base) => {
      const last = base.slice(base.lastIndexOf('.') + 1)
      if (last.endsWith('Package') || last === 'PackageBase') return true
      if (last.endsWith('Builder')) return false
      if (repoNames.has(base.split('.')[0] as string) || REPO_MODULE.test(base)) return true
      const local = byName.get(base)
      return local !== undefined && local !== c && isPackageLike(local)
    })
    packageLike.set(c.name, result)
    return result
  }

  const hinted = expectedClassName(file)
  let chosen = hinted === undefined ? undefined : byName.get(hinted)
  if (chosen === undefined) {
    const usedAsBase = new Set(classes.flatMap((c) => c.bases))
    const candidates = classes.filter(isPackageLike)
    chosen = candidates.find((c) => !usedAsBase.has(c.name)) ?? candidates[0]
  }
  if (chosen === undefined) return undefined

  const ancestors = new Set<number>()
  const queue = [...chosen.bases]
  for (let base = queue.shift(); base !== undefined; base = queue.shift()) {
    const local = byName.get(base)
    if (local === undefined || local === chosen || ancestors.has(local.index)) continue
    ancestors.add(local.index)
    queue.push(...local.bases)
  }
  return {
    index: chosen.index,
    name: chosen.name,
    bases: chosen.bases,
    ancestors: [...ancestors].sort((a, b) => a - b),
  }
}

function topLevelClasses(body: readonly Stmt[], text: string): ClassInfo[] {
  const classes: ClassInfo[] = []
  body.forEach((stmt, index) => {
    if ((stmt.definition ?? stmt.kind) !== 'ClassDefinition') return
    const header = stmt.clauses?.[0]?.header ?? []
    const nameNode = header.find((node) => node.name === 'VariableName')
    if (nameNode === undefined) return
    const bases = baseClasses(
      header.find((node) => node.name === 'ArgList'),
      text,
    )
    classes.push({ index, name: text.slice(nameNode.from, nameNode.to), bases })
  })
  return classes
}

/** Positional arguments of a class's ArgList, canonically spelled (keywords such as metaclass= left out). */
function baseClasses(argList: PyNode | undefined, text: string): string[] {
  if (argList === undefined) return []
  const bases: string[] = []
  const writer = new Writer(text)
  let current: PyNode[] = []
  const flush = (): void => {
    if (current.length === 1) {
      writer.emitNode(current[0] as PyNode)
      bases.push(writer.take())
    }
    current = []
  }
  for (let child = argList.firstChild; child; child = child.nextSibling) {
    const name = child.name
    if (name === '(' || name === 'Comment') continue
    if (name === ',' || name === ')') flush()
    else current.push(child)
  }
  flush()
  return bases
}
