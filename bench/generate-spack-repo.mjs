#!/usr/bin/env node
// Generates a Spack-scale recipe repository (modern `spack_repo` layout) from the real package
// graph in /work/shared/corpus/spack-packages-graph.json.gz, as one git commit with a pinned
// identity and date on branch `main`.
//
//   node bench/generate-spack-repo.mjs OUTDIR [--packages N] [--corpus FILE]
//
// Layout written:
//   .binary-check.yml                                  ecosystem, recipe roots, providers
//   repos/spack_repo/builtin/repo.yaml
//   repos/spack_repo/builtin/build_systems/<bs>.py     one module per build system / base-class module
//   repos/spack_repo/builtin/build_systems/_package_base.py   PackageBase
//   repos/spack_repo/builtin/packages/<dir>/package.py (+ patch files)
//
// Directive strings (`depends_on` spec/when, `variant` when, `patch` when, `provides`) are written
// verbatim from the corpus. Where the corpus recorded a Python expression it could not evaluate
// (`<?expr>`, e.g. `'kokkos cuda_arch=%s' % arch` inside a loop), the expression is written as
// code inside a `for` loop over a module-level tuple, as real recipes do.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'

export const DEFAULT_CORPUS = '/work/shared/corpus/spack-packages-graph.json.gz'
export const PACKAGES_ROOT = 'repos/spack_repo/builtin/packages'
export const BUILD_SYSTEMS_ROOT = 'repos/spack_repo/builtin/build_systems'
const BS_IMPORT = 'spack_repo.builtin.build_systems'
const PKG_IMPORT = 'spack_repo.builtin.packages'

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'binary-check bench',
  GIT_AUTHOR_EMAIL: 'bench@binary-check.invalid',
  GIT_COMMITTER_NAME: 'binary-check bench',
  GIT_COMMITTER_EMAIL: 'bench@binary-check.invalid',
  GIT_AUTHOR_DATE: '1767225600 +0000', // 2026-01-01T00:00:00Z
  GIT_COMMITTER_DATE: '1767225600 +0000',
}

const LICENSE_HEADER = `# Copyright Spack Project Developers. See COPYRIGHT file for details.
#
# SPDX-License-Identifier: (Apache-2.0 OR MIT)
`

/** Spack's default provider preferences (etc/spack/defaults/packages.yaml), first existing wins. */
const PREFERRED_PROVIDERS = {
  armci: ['armcimpi'],
  awk: ['gawk'],
  blas: ['openblas', 'amdblis'],
  c: ['gcc', 'llvm'],
  cxx: ['gcc', 'llvm'],
  daal: ['intel-oneapi-dal'],
  elf: ['elfutils'],
  'fftw-api': ['fftw', 'amdfftw'],
  flame: ['libflame', 'amdlibflame'],
  fortran: ['gcc', 'llvm'],
  'fortran-rt': ['gcc-runtime'],
  fuse: ['libfuse'],
  gl: ['glx', 'osmesa'],
  glu: ['mesa-glu', 'openglu'],
  golang: ['go', 'gcc'],
  'go-or-gccgo-bootstrap': ['go-bootstrap', 'gcc'],
  iconv: ['libiconv'],
  ipp: ['intel-oneapi-ipp'],
  java: ['openjdk', 'jdk'],
  jpeg: ['libjpeg-turbo', 'libjpeg'],
  lapack: ['openblas', 'amdlibflame'],
  libc: ['glibc', 'musl'],
  libgfortran: ['gcc-runtime'],
  libglx: ['mesa'],
  libifcore: ['intel-oneapi-runtime'],
  libllvm: ['llvm'],
  'lua-lang': ['lua', 'lua-luajit-openresty'],
  luajit: ['lua-luajit-openresty', 'lua-luajit'],
  'mariadb-client': ['mariadb-c-client', 'mariadb'],
  mkl: ['intel-oneapi-mkl'],
  mpe: ['mpe2'],
  mpi: ['openmpi', 'mpich'],
  'mysql-client': ['mysql', 'mariadb-c-client'],
  onedal: ['intel-oneapi-dal'],
  opencl: ['pocl'],
  pbs: ['openpbs', 'torque'],
  pil: ['py-pillow'],
  pkgconfig: ['pkgconf', 'pkg-config'],
  qmake: ['qt-base', 'qt'],
  rpc: ['libtirpc'],
  scalapack: ['netlib-scalapack', 'amdscalapack'],
  sycl: ['hipsycl'],
  szip: ['libaec', 'libszip'],
  tbb: ['intel-tbb', 'intel-oneapi-tbb'],
  unwind: ['libunwind'],
  uuid: ['util-linux-uuid', 'libuuid'],
  'wasi-sdk': ['wasi-sdk-prebuilt'],
  'xkbdata-api': ['xkeyboard-config'],
  xxd: ['xxd-standalone', 'vim'],
  yacc: ['bison', 'byacc'],
  ziglang: ['zig'],
  'zlib-api': ['zlib-ng', 'zlib'],
}

/** build_system("<name>") → module and class that declares it. */
const BUILD_SYSTEM_CLASS = {
  autotools: ['autotools', 'AutotoolsPackage'],
  bundle: ['bundle', 'BundlePackage'],
  cargo: ['cargo', 'CargoPackage'],
  cmake: ['cmake', 'CMakePackage'],
  generic: ['generic', 'Package'],
  go: ['go', 'GoPackage'],
  lua: ['lua', 'LuaPackage'],
  makefile: ['makefile', 'MakefilePackage'],
  maven: ['maven', 'MavenPackage'],
  meson: ['meson', 'MesonPackage'],
  msbuild: ['msbuild', 'MSBuildPackage'],
  nmake: ['nmake', 'NMakePackage'],
  octave: ['octave', 'OctavePackage'],
  perl: ['perl', 'PerlPackage'],
  python_pip: ['python', 'PythonPackage'],
  qmake: ['qmake', 'QMakePackage'],
  racket: ['racket', 'RacketPackage'],
  ruby: ['ruby', 'RubyPackage'],
  scons: ['scons', 'SConsPackage'],
  sip: ['sip', 'SIPPackage'],
  waf: ['waf', 'WafPackage'],
}

/** Parents of build-system classes whose parent is not PackageBase ([module, class]). */
const MODULE_CLASS_PARENT = {
  'python:PythonPackage': ['python', 'PythonExtension'],
  'cached_cmake:CachedCMakePackage': ['cmake', 'CMakePackage'],
  'oneapi:IntelOneApiPackage': ['generic', 'Package'],
  'oneapi:IntelOneApiLibraryPackage': ['oneapi', 'IntelOneApiPackage'],
  'oneapi:IntelOneApiLibraryPackageWithSdk': ['oneapi', 'IntelOneApiLibraryPackage'],
  'r:RPackage': ['generic', 'Package'],
  'aspell_dict:AspellDictPackage': ['autotools', 'AutotoolsPackage'],
  'xorg:XorgPackage': ['_package_base', 'PackageBase'],
}

const BRANCH_VERSIONS = new Set([
  'develop',
  'master',
  'main',
  'trunk',
  'head',
  'stable',
  'dev',
  'devel',
  'latest',
])
const PY_KEYWORDS = new Set(
  'and or not in is if else for while lambda None True False import from as return def class with yield await async'.split(
    ' ',
  ),
)
const PY_KNOWN_NAMES = new Set([
  'sys',
  'os',
  'str',
  'int',
  'len',
  'range',
  'any',
  'all',
  'sorted',
  'list',
  'tuple',
  'dict',
  'set',
  'spack',
  're',
])
/** Names `from spack.package import *` provides. */
const SPACK_PACKAGE_NAMES = new Set([
  'IS_WINDOWS',
  'MACOS_VERSION',
  'any_combination_of',
  'disjoint_sets',
  'conditional',
  'auto_or_any_combination_of',
])

// ---------------------------------------------------------------------------------------------
// small helpers

const py = (s) => JSON.stringify(String(s)) // double-quoted JSON string = valid Python literal (ASCII)
const sha256hex = (s) => createHash('sha256').update(s).digest('hex')

export function packageDir(name) {
  const d = name.replace(/-/g, '_')
  return /^[0-9]/.test(d) ? `_${d}` : d
}

/** Spack's mod_to_class. */
export function className(name) {
  const words = name.replace(/[-_]+/g, '-').split('-')
  const cls = words.map((w) => (w ? w[0].toUpperCase() + w.slice(1) : '')).join('')
  return /^[0-9]/.test(cls) ? `_${cls}` : cls
}

const pyTypes = (types) => (types.length === 1 ? py(types[0]) : `(${types.map(py).join(', ')})`)

function pyValue(v) {
  if (v === true) return 'True'
  if (v === false) return 'False'
  if (v === null || v === undefined) return 'None'
  if (typeof v === 'number') return String(v)
  return py(v)
}

/** Split a corpus string into plain text and `<?expr>` segments. */
export function splitExpr(s) {
  const out = []
  let i = 0
  let plain = ''
  while (i < s.length) {
    if (s.startsWith('<?', i)) {
      // scan to the matching '>' outside quotes and brackets
      let j = i + 2
      let depth = 0
      let quote = null
      for (; j < s.length; j++) {
        const c = s[j]
        if (quote) {
          if (c === '\\') j++
          else if (c === quote) quote = null
          continue
        }
        if (c === "'" || c === '"') quote = c
        else if ('([{'.includes(c)) depth++
        else if (')]}'.includes(c)) depth--
        else if (c === '>' && depth === 0) break
      }
      if (plain) out.push({ plain })
      plain = ''
      out.push({ expr: s.slice(i + 2, j) })
      i = j + 1
    } else {
      plain += s[i++]
    }
  }
  if (plain) out.push({ plain })
  return out
}

/** Is a corpus `spec` a raw Python expression (e.g. `'kokkos cuda_arch=%s' % arch`)? */
const isRawExpr = (s) => /^[rRbBfFuU]{0,2}['"]/.test(s) || s.startsWith('<?')

/** Free variable names of a Python expression (approximate: outside strings, f-string braces). */
export function freeNames(expr) {
  const names = new Set()
  const code = []
  let i = 0
  while (i < expr.length) {
    const m = /^([rRbBfFuU]{0,2})(['"])/.exec(expr.slice(i))
    const prevIsWord = i > 0 && /[\w.]/.test(expr[i - 1])
    if (m && !prevIsWord) {
      const isF = /[fF]/.test(m[1])
      const q = m[2]
      let j = i + m[0].length
      let brace = 0
      let inner = ''
      for (; j < expr.length; j++) {
        const c = expr[j]
        if (isF && c === '{') {
          if (expr[j + 1] === '{' && brace === 0) {
            j++
            continue
          }
          brace++
          if (brace === 1) continue
        }
        if (isF && c === '}' && brace > 0) {
          brace--
          if (brace === 0) {
            code.push(` ${inner.split(/[!:](?![=])/)[0]} `)
            inner = ''
            continue
          }
        }
        if (brace > 0) {
          inner += c
          continue
        }
        if (c === '\\') {
          j++
          continue
        }
        if (c === q) break
      }
      i = j + 1
      code.push(' ')
      continue
    }
    code.push(expr[i])
    i++
  }
  const text = code.join('')
  for (const mm of text.matchAll(/(?<![\w.])([A-Za-z_]\w*)/g)) {
    const n = mm[1]
    if (!PY_KEYWORDS.has(n)) names.add(n)
  }
  return [...names]
}

// ---------------------------------------------------------------------------------------------
// corpus model

export function loadCorpus(file = DEFAULT_CORPUS) {
  return JSON.parse(gunzipSync(readFileSync(file)))
}

/** Deterministic package subset: DFS postorder over dependencies, so the subset is dependency-dense. */
function selectPackages(P, limit, providerOf) {
  const all = Object.keys(P).sort()
  if (!limit || limit >= all.length) return new Set(all)
  const chosen = new Set()
  const order = []
  const visiting = new Set()
  const target = (d) => (P[d.name] ? d.name : providerOf[d.name])
  const visit = (n) => {
    if (order.length >= limit || chosen.has(n) || visiting.has(n) || !P[n]) return
    visiting.add(n)
    // unconditional dependencies first, then conditional ones
    const deps = [...P[n].deps].sort((a, b) =>
      (a.when === '') === (b.when === '') ? 0 : a.when === '' ? -1 : 1,
    )
    for (const d of deps) {
      const t = target(d)
      if (t) visit(t)
      if (order.length >= limit) break
    }
    visiting.delete(n)
    if (order.length < limit && !chosen.has(n)) {
      chosen.add(n)
      order.push(n)
    }
  }
  for (const n of all) {
    if (order.length >= limit) break
    visit(n)
  }
  return chosen
}

function chooseProviders(P, included) {
  const providersOf = new Map()
  for (const n of Object.keys(P).sort()) {
    if (!included.has(n)) continue
    for (const pv of P[n].provides) {
      if (!providersOf.has(pv.name)) providersOf.set(pv.name, [])
      const a = providersOf.get(pv.name)
      if (!a.includes(n)) a.push(n)
    }
  }
  const chosen = {}
  for (const [v, provs] of [...providersOf].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const pref = (PREFERRED_PROVIDERS[v] ?? []).find((p) => provs.includes(p))
    chosen[v] = pref ?? (provs.includes(v) ? v : provs[0])
  }
  return chosen
}

function classKeyParts(key) {
  // "build_systems/cmake.py:CMakePackage" | "package fftw:FftwBase"
  const m = /^build_systems\/(\w+)\.py:(\w+)$/.exec(key)
  if (m) return { kind: 'module', module: m[1], cls: m[2] }
  const p = /^package ([^:]+):(\w+)$/.exec(key)
  if (p) return { kind: 'package', pkg: p[1], cls: p[2] }
  throw new Error(`unexpected inherits entry ${key}`)
}

const depSig = (d) => `${d.spec}\u0000${d.types.join(',')}\u0000${d.when}`

/**
 * Assigns inherited dependencies to the base classes that declare them. The corpus marks a
 * dependency `inherited` but not where from, so per dependency a greedy cover picks the class whose
 * users carry it most (among classes where at least half of the users carry it; ties → the higher
 * share, then the more specific class), removes those carriers, and repeats.
 */
function assignInheritedDeps(P) {
  const definedBy = new Map() // pkg → class keys it defines
  for (const p of Object.values(P))
    for (const k of p.inherits) {
      const m = /^package ([^:]+):/.exec(k)
      if (m) (definedBy.get(m[1]) ?? definedBy.set(m[1], new Set()).get(m[1])).add(k)
    }
  const users = new Map() // class key → packages
  for (const [n, p] of Object.entries(P))
    for (const k of effectiveInherits(p, definedBy.get(n)))
      (users.get(k) ?? users.set(k, []).get(k)).push(n)
  const carriers = new Map() // sig → Set(pkg)
  const depOfSig = new Map()
  for (const [n, p] of Object.entries(P))
    for (const d of p.deps)
      if (d.inherited) {
        const s = depSig(d)
        if (!carriers.has(s)) {
          carriers.set(s, new Set())
          depOfSig.set(s, d)
        }
        carriers.get(s).add(n)
      }
  const classDeps = new Map() // class key → [dep]
  const classSigs = new Map() // class key → Set(sig)
  for (const [s, all] of carriers) {
    const remaining = new Set(all)
    for (;;) {
      let best = null
      for (const [k, us] of users) {
        let c = 0
        let total = 0
        for (const u of us) {
          if (remaining.has(u)) c++
          if (all.has(u)) total++
        }
        if (c === 0) continue
        const ratio = total / us.length
        if (ratio < 0.5) continue
        const better =
          !best ||
          c > best.c ||
          (c === best.c &&
            (ratio > best.ratio + 1e-9 ||
              (Math.abs(ratio - best.ratio) < 1e-9 && us.length < best.n)))
        if (better) best = { k, c, ratio, n: us.length }
      }
      if (!best) break
      ;(classDeps.get(best.k) ?? classDeps.set(best.k, []).get(best.k)).push(depOfSig.get(s))
      ;(classSigs.get(best.k) ?? classSigs.set(best.k, new Set()).get(best.k)).add(s)
      for (const u of users.get(best.k)) remaining.delete(u)
    }
  }
  return { users, classDeps, classSigs }
}

/** A package's base classes, including the ones it defines itself (fftw defines FftwBase). */
function effectiveInherits(p, defined) {
  return defined ? [...new Set([...p.inherits, ...defined])] : p.inherits
}

// ---------------------------------------------------------------------------------------------
// Python emitters

/** Collects the lines of a class body and the module-level helpers its expressions need. */
class Emitter {
  constructor() {
    this.lines = []
    this.moduleDefs = new Map() // name → line (null: a helper name to define as False / a function)
    this.needsSys = false
  }
  line(s = '', indent = 1) {
    this.lines.push(s ? '    '.repeat(indent) + s : '')
  }
  defineFree(names) {
    for (const n of names) {
      if (n === 'sys') this.needsSys = true
      if (PY_KNOWN_NAMES.has(n) || SPACK_PACKAGE_NAMES.has(n) || this.moduleDefs.has(n)) continue
      this.moduleDefs.set(n, null)
    }
  }
  /**
   * Directives with expression arguments: `[{ text, loopVars, withWhen }]`, consecutive ones with the
   * same loop variables and `with when()` grouped into one `for` block over module-level tuples.
   */
  emitLoopDirectives(directives) {
    let current = null
    const flush = () => {
      if (!current) return
      let ind = 1
      if (current.withWhen) {
        this.line(`with when(${py(current.withWhen)}):`, ind)
        ind++
      }
      for (const v of current.loopVars) {
        const tuple = `_${v.replace(/^_+/, '').toUpperCase()}_VALUES`
        this.moduleDefs.set(tuple, `${tuple} = ${loopValues(v)}`)
        this.line(`for ${v} in ${tuple}:`, ind)
        ind++
      }
      const seen = new Set()
      for (const t of current.texts) {
        if (seen.has(t)) continue
        seen.add(t)
        this.line(t, ind)
      }
      current = null
    }
    for (const d of directives) {
      const key = `${d.withWhen ?? ''}|${d.loopVars.join(',')}`
      if (!current || current.key !== key) {
        flush()
        current = { key, withWhen: d.withWhen, loopVars: d.loopVars, texts: [] }
      }
      current.texts.push(d.text)
    }
    flush()
  }
}

function loopValues(v) {
  const l = v.toLowerCase()
  if (/cuda|sm|arch/.test(l) && !/amd|gfx|rocm/.test(l)) return '("70", "80", "90")'
  if (/tgt|target|amd|gfx|rocm/.test(l)) return '("gfx90a", "gfx942")'
  if (/ver/.test(l)) return '("6.3.0", "6.4.0")'
  if (/std/.test(l)) return '("17", "20")'
  if (/num/.test(l)) return '("001", "002")'
  return '("default",)'
}

/**
 * Converts a corpus condition/spec string to Python: `{ arg, withWhen, vars }`. Plain strings become
 * literals; `<?expr>` parts become code (joined with the plain part through `with when(...)`).
 */
function condToPython(s) {
  if (!s.includes('<?')) return { arg: py(s), withWhen: null, vars: [] }
  const segs = splitExpr(s)
  const exprs = segs.filter((x) => x.expr !== undefined)
  const plain = segs
    .filter((x) => x.plain !== undefined)
    .map((x) => x.plain.trim())
    .filter(Boolean)
    .join(' ')
  if (exprs.length === 1) {
    const vars = freeNames(exprs[0].expr)
    return { arg: exprs[0].expr, withWhen: plain || null, vars }
  }
  // several expressions: concatenate
  const parts = segs.map((x) => (x.expr !== undefined ? `(${x.expr})` : py(x.plain)))
  const vars = [...new Set(exprs.flatMap((x) => freeNames(x.expr)))]
  return { arg: parts.join(' + '), withWhen: null, vars }
}

function specToPython(spec) {
  if (spec.startsWith('<?') && spec.endsWith('>') && splitExpr(spec).length === 1) {
    const e = splitExpr(spec)[0].expr
    return { arg: e, vars: freeNames(e) }
  }
  if (isRawExpr(spec)) return { arg: spec, vars: freeNames(spec) }
  if (spec.includes('<?')) {
    const c = condToPython(spec)
    return { arg: c.withWhen ? `${py(c.withWhen + ' ')} + ${c.arg}` : c.arg, vars: c.vars }
  }
  return { arg: py(spec), vars: [] }
}

/** Emits `depends_on` lines (plain ones directly, expression ones inside loops) in corpus order. */
function emitDeps(em, deps) {
  const loopDirs = []
  const flushLoops = () => {
    if (loopDirs.length) em.emitLoopDirectives(loopDirs.splice(0))
  }
  for (const d of deps) {
    const s = specToPython(d.spec)
    const w = d.when ? condToPython(d.when) : { arg: null, withWhen: null, vars: [] }
    const args = [s.arg, `type=${pyTypes(d.types)}`]
    if (w.arg) args.push(`when=${w.arg}`)
    const text = `depends_on(${args.join(', ')})`
    const vars = [...new Set([...s.vars, ...w.vars])].filter(
      (v) => !PY_KNOWN_NAMES.has(v) && !SPACK_PACKAGE_NAMES.has(v),
    )
    if (vars.length === 0 && !w.withWhen) {
      flushLoops()
      em.line(text)
    } else {
      loopDirs.push({ text, loopVars: vars, withWhen: w.withWhen })
    }
  }
  flushLoops()
}

function variantDescription(name) {
  const words = name.replace(/[_-]+/g, ' ')
  return `Enable ${words} support`
}

function emitVariants(em, variants) {
  for (const v of variants) {
    const args = [py(v.name)]
    let d = v.default
    if (
      typeof d === 'string' &&
      d.startsWith('<?') &&
      d.endsWith('>') &&
      splitExpr(d).length === 1
    ) {
      const e = splitExpr(d)[0].expr
      em.defineFree(freeNames(e))
      args.push(`default=${e}`)
    } else if (typeof d === 'string' && /^\(.*\)$/.test(d) && /['"]/.test(d)) {
      // a tuple default recorded as its source text, e.g. ('4', 'd')
      args.push(`default=${d}`, 'multi=True')
    } else if (d === null) {
      args.push(`values=any_combination_of(${py(v.name + '_a')}, ${py(v.name + '_b')})`)
    } else if (typeof d === 'string' && d.includes(',') && !/[\s=]/.test(d)) {
      args.push(`default=${py(d)}`, `values=(${d.split(',').map(py).join(', ')})`, 'multi=True')
    } else {
      args.push(`default=${pyValue(d)}`)
    }
    args.push(`description=${py(variantDescription(v.name))}`)
    if (v.when) {
      const w = condToPython(v.when)
      if (w.vars.length || w.withWhen) {
        em.emitLoopDirectives([
          {
            text: `variant(${[...args, `when=${w.arg}`].join(', ')})`,
            loopVars: w.vars,
            withWhen: w.withWhen,
          },
        ])
        continue
      }
      args.push(`when=${w.arg}`)
    }
    em.line(`variant(${args.join(', ')})`)
  }
}

function emitProvides(em, provides) {
  for (const pv of provides) {
    const args = [specToPython(pv.spec).arg]
    if (pv.when) args.push(`when=${condToPython(pv.when).arg}`)
    if (pv.pyif) {
      em.defineFree(freeNames(pv.pyif))
      em.line(`if ${pv.pyif}:`)
      em.line(`provides(${args.join(', ')})`, 2)
    } else em.line(`provides(${args.join(', ')})`)
  }
}

function emitPatches(em, pkgName, patches, files) {
  const loopDirs = []
  for (const pt of patches) {
    const file = pt.file
    const w = pt.when ? condToPython(pt.when) : { arg: null, withWhen: null, vars: [] }
    let text
    let vars = [...w.vars]
    if (file.startsWith('<?')) {
      const e = splitExpr(file)[0].expr
      vars = [...new Set([...vars, ...freeNames(e)])]
      const args = [e, `sha256=${py(sha256hex(`${pkgName}:${file}:${pt.when}`))}`, 'level=0']
      if (w.arg) args.push(`when=${w.arg}`)
      text = `patch(${args.join(', ')})`
    } else if (/^[a-z]+:\/\//.test(file)) {
      const args = [py(file), `sha256=${py(sha256hex(`${pkgName}:${file}`))}`]
      if (w.arg) args.push(`when=${w.arg}`)
      text = `patch(${args.join(', ')})`
    } else {
      files.set(file, patchContent(pkgName, file))
      const args = [py(file)]
      if (w.arg) args.push(`when=${w.arg}`)
      text = `patch(${args.join(', ')})`
    }
    vars = vars.filter((v) => !PY_KNOWN_NAMES.has(v) && !SPACK_PACKAGE_NAMES.has(v))
    if (vars.length || w.withWhen) loopDirs.push({ text, loopVars: vars, withWhen: w.withWhen })
    else {
      if (loopDirs.length) em.emitLoopDirectives(loopDirs.splice(0))
      em.line(text)
    }
  }
  if (loopDirs.length) em.emitLoopDirectives(loopDirs.splice(0))
}

function patchContent(pkgName, file) {
  const h = sha256hex(`${pkgName}/${file}`)
  const src = ['CMakeLists.txt', 'configure.ac', 'Makefile', 'src/main.c', 'setup.py'][
    parseInt(h.slice(0, 2), 16) % 5
  ]
  const n = 10 + (parseInt(h.slice(2, 4), 16) % 40)
  return `From ${h.slice(0, 40)} Mon Sep 17 00:00:00 2001
From: Spack maintainers <maintainers@spack.invalid>
Subject: [PATCH] ${pkgName}: ${file.replace(/\.(patch|diff)$/, '').replace(/[_-]+/g, ' ')}

---
 ${src} | 4 ++--
 1 file changed, 2 insertions(+), 2 deletions(-)

diff --git a/${src} b/${src}
index ${h.slice(40, 47)}..${h.slice(47, 54)} 100644
--- a/${src}
+++ b/${src}
@@ -${n},7 +${n},7 @@
 # ${pkgName} build configuration
 if (ENABLE_FEATURE_${h.slice(54, 58).toUpperCase()})
-  set(FLAGS "-O2 -march=native")
-  set(LIBS m)
+  set(FLAGS "-O2")
+  set(LIBS m dl)
 endif()
 # end of block
 
`
}

// ---------------------------------------------------------------------------------------------
// realistic method bodies

function boolVariants(variants) {
  return variants
    .filter((v) => typeof v.default === 'boolean' && !v.inherited_from)
    .map((v) => v.name)
}

function depNamesWhen(deps) {
  // plain dependencies conditional on a simple "+variant"
  const out = []
  for (const d of deps) {
    const m = /^\+([A-Za-z0-9_-]+)$/.exec(d.when)
    if (m && !isRawExpr(d.spec) && !out.some((o) => o.v === m[1]))
      out.push({ v: m[1], dep: d.name })
  }
  return out
}

function methodBody(pkgName, bs, p, deps) {
  const vars = boolVariants(p.variants)
  const condDeps = depNamesWhen(deps).slice(0, 3)
  const up = pkgName.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()
  const h = parseInt(sha256hex(pkgName).slice(0, 4), 16)
  const L = []
  switch (bs) {
    case 'cmake':
    case 'cached_cmake': {
      L.push('def cmake_args(self):')
      L.push('    spec = self.spec')
      L.push('    args = [')
      for (const v of vars.slice(0, 5))
        L.push(
          `        self.define_from_variant(${py(`${up}_ENABLE_${v.replace(/-/g, '_').toUpperCase()}`)}, ${py(v)}),`,
        )
      L.push(`        self.define("${up}_BUILD_TESTS", self.run_tests),`)
      L.push('    ]')
      for (const c of condDeps) {
        L.push(`    if spec.satisfies(${py(`+${c.v}`)}):`)
        L.push(
          `        args.append(self.define(${py(`${c.dep.replace(/-/g, '_').toUpperCase()}_ROOT`)}, spec[${py(c.dep)}].prefix))`,
        )
      }
      L.push('    if spec.satisfies("%gcc@:9"):')
      L.push(`        args.append(self.define("CMAKE_CXX_FLAGS", "-fpermissive"))`)
      L.push(`    args.append(f"-DCMAKE_INSTALL_RPATH={self.prefix.lib}")`)
      L.push('    return args')
      break
    }
    case 'autotools':
    case 'aspell_dict':
    case 'perl':
    case 'r': {
      L.push('def configure_args(self):')
      L.push('    spec = self.spec')
      L.push(
        bs === 'perl'
          ? '    args = [f"INSTALL_BASE={self.prefix}"]'
          : '    args = ["--disable-dependency-tracking"]',
      )
      for (const v of vars.slice(0, 4)) L.push(`    args.extend(self.enable_or_disable(${py(v)}))`)
      for (const c of condDeps) {
        L.push(`    if spec.satisfies(${py(`+${c.v}`)}):`)
        L.push(`        args.append(f"--with-${c.dep}={spec['${c.dep}'].prefix}")`)
      }
      L.push('    if spec.satisfies("%gcc@10:"):')
      L.push('        args.append("FFLAGS=-fallow-argument-mismatch")')
      L.push('    return args')
      break
    }
    case 'makefile': {
      L.push('def edit(self, spec, prefix):')
      L.push('    makefile = FileFilter("Makefile")')
      L.push('    makefile.filter(r"^PREFIX\\s*=.*", f"PREFIX = {prefix}")')
      L.push('    makefile.filter(r"^CC\\s*=.*", f"CC = {spack_cc}")')
      for (const v of vars.slice(0, 3)) {
        L.push(`    if spec.satisfies(${py(`+${v}`)}):`)
        L.push(
          `        makefile.filter(r"^#\\s*${v.replace(/-/g, '_').toUpperCase()}\\s*=", "${v.replace(/-/g, '_').toUpperCase()} =")`,
        )
      }
      L.push('')
      L.push('@property')
      L.push('def build_targets(self):')
      L.push(`    return ["all", f"PREFIX={self.prefix}", "-j${2 + (h % 7)}"]`)
      break
    }
    case 'python_pip':
    case 'python':
    case 'sip': {
      L.push('def setup_build_environment(self, env):')
      L.push(`    env.set("${up}_NO_NETWORK", "1")`)
      for (const v of vars.slice(0, 3)) {
        L.push(`    if self.spec.satisfies(${py(`+${v}`)}):`)
        L.push(`        env.set("${up}_WITH_${v.replace(/-/g, '_').toUpperCase()}", "1")`)
      }
      L.push('    if self.spec.satisfies("%clang"):')
      L.push('        env.append_flags("CFLAGS", "-Wno-error=incompatible-function-pointer-types")')
      L.push('')
      L.push('def config_settings(self, spec, prefix):')
      L.push(`    return {"builddir": "build", "compile-args": f"-j{make_jobs}"}`)
      break
    }
    case 'meson': {
      L.push('def meson_args(self):')
      L.push('    args = []')
      for (const v of vars.slice(0, 4))
        L.push(
          `    args.append(f"-D${v.replace(/-/g, '_')}={'enabled' if self.spec.satisfies('+${v}') else 'disabled'}")`,
        )
      L.push('    if self.spec.satisfies("platform=darwin"):')
      L.push('        args.append("-Db_lundef=false")')
      L.push('    return args')
      break
    }
    default: {
      L.push('def install(self, spec, prefix):')
      L.push(`    mkdirp(prefix.bin)`)
      L.push(`    options = [f"--prefix={prefix}"]`)
      for (const v of vars.slice(0, 3)) {
        L.push(`    if spec.satisfies(${py(`+${v}`)}):`)
        L.push(`        options.append(${py(`--enable-${v}`)})`)
      }
      L.push('    configure(*options)')
      L.push('    make()')
      L.push('    make("install")')
    }
  }
  return L
}

// ---------------------------------------------------------------------------------------------
// build-system modules

function moduleClassBody(module, cls) {
  // methods and attributes typical of each build-system base class
  const L = []
  switch (cls) {
    case 'CMakePackage':
      L.push(
        'def define(self, cmake_var, value):',
        '    if isinstance(value, bool):',
        '        kind, value = "BOOL", "ON" if value else "OFF"',
        '    elif isinstance(value, (list, tuple)):',
        '        kind, value = "STRING", ";".join(str(v) for v in value)',
        '    else:',
        '        kind = "PATH" if isinstance(value, Prefix) else "STRING"',
        '    return f"-D{cmake_var}:{kind}={value}"',
        '',
        'def define_from_variant(self, cmake_var, variant=None):',
        '    variant = variant or cmake_var.lower()',
        '    if not self.spec.satisfies(f"{variant}=*"):',
        '        return ""',
        '    value = self.spec.variants[variant].value',
        '    return self.define(cmake_var, value)',
        '',
        'def cmake_args(self):',
        '    return []',
        '',
        'def std_cmake_args(self):',
        '    generator = "Ninja" if self.spec.satisfies("generator=ninja") else "Unix Makefiles"',
        '    return [f"-G{generator}", self.define("CMAKE_INSTALL_PREFIX", self.prefix), self.define("CMAKE_BUILD_TYPE", self.spec.variants["build_type"].value)]',
        '',
        'def cmake(self, spec, prefix):',
        '    with working_dir(self.build_directory, create=True):',
        '        inspect.getmodule(self).cmake(self.root_cmakelists_dir, *self.std_cmake_args(), *self.cmake_args())',
        '',
        'def build(self, spec, prefix):',
        '    with working_dir(self.build_directory):',
        '        inspect.getmodule(self).make(*self.build_targets)',
        '',
        'def install(self, spec, prefix):',
        '    with working_dir(self.build_directory):',
        '        inspect.getmodule(self).make(*self.install_targets)',
      )
      break
    case 'AutotoolsPackage':
      L.push(
        'def configure_args(self):',
        '    return []',
        '',
        'def enable_or_disable(self, variant, activation_value=None):',
        '    return self._activate_or_not(variant, "enable", "disable", activation_value)',
        '',
        'def with_or_without(self, variant, activation_value=None):',
        '    return self._activate_or_not(variant, "with", "without", activation_value)',
        '',
        'def _activate_or_not(self, name, activation, deactivation, activation_value=None):',
        '    if self.spec.satisfies(f"+{name}"):',
        '        return [f"--{activation}-{name}"]',
        '    return [f"--{deactivation}-{name}"]',
        '',
        'def autoreconf(self, spec, prefix):',
        '    if os.path.exists(self.configure_abs_path):',
        '        return',
        '    autoreconf_args = ["-ivf"] + self.autoreconf_extra_args',
        '    which("autoreconf")(*autoreconf_args)',
        '',
        'def configure(self, spec, prefix):',
        '    options = [f"--prefix={prefix}"] + self.configure_args()',
        '    with working_dir(self.build_directory, create=True):',
        '        inspect.getmodule(self).configure(*options)',
        '',
        'def build(self, spec, prefix):',
        '    with working_dir(self.build_directory):',
        '        inspect.getmodule(self).make(*self.build_targets)',
        '',
        'def install(self, spec, prefix):',
        '    with working_dir(self.build_directory):',
        '        inspect.getmodule(self).make(*self.install_targets)',
      )
      break
    case 'MakefilePackage':
      L.push(
        'build_targets = []',
        'install_targets = ["install"]',
        '',
        'def edit(self, spec, prefix):',
        '    pass',
        '',
        'def build(self, spec, prefix):',
        '    with working_dir(self.build_directory):',
        '        inspect.getmodule(self).make(*self.build_targets)',
        '',
        'def install(self, spec, prefix):',
        '    with working_dir(self.build_directory):',
        '        inspect.getmodule(self).make(*self.install_targets)',
      )
      break
    case 'PythonExtension':
      L.push(
        '@property',
        'def import_modules(self):',
        '    modules = []',
        '    for root, _, files in os.walk(self.prefix):',
        '        if "__init__.py" in files:',
        '            modules.append(root.replace(os.sep, "."))',
        '    return modules',
        '',
        'def test_imports(self):',
        '    for module in self.import_modules:',
        '        python("-c", f"import {module}")',
      )
      break
    case 'PythonPackage':
      L.push(
        'def config_settings(self, spec, prefix):',
        '    return {}',
        '',
        'def install_options(self, spec, prefix):',
        '    return []',
        '',
        'def install(self, spec, prefix):',
        '    args = ["-m", "pip", "-vvv", "--no-input", "--no-cache-dir", "--disable-pip-version-check", "install", "--no-deps", "--no-build-isolation", f"--prefix={prefix}", "."]',
        '    for key, value in self.config_settings(spec, prefix).items():',
        '        args.append(f"--config-settings={key}={value}")',
        '    with working_dir(self.build_directory):',
        '        python(*args)',
      )
      break
    case 'MesonPackage':
      L.push(
        'def meson_args(self):',
        '    return []',
        '',
        'def std_meson_args(self):',
        '    return [f"--prefix={self.prefix}", f"-Dbuildtype={self.spec.variants[\'buildtype\'].value}", f"-Ddefault_library={self.spec.variants[\'default_library\'].value}"]',
        '',
        'def meson(self, spec, prefix):',
        '    with working_dir(self.build_directory, create=True):',
        '        inspect.getmodule(self).meson(self.root_mesonlists_dir, *self.std_meson_args(), *self.meson_args())',
        '',
        'def build(self, spec, prefix):',
        '    with working_dir(self.build_directory):',
        '        inspect.getmodule(self).ninja("-v")',
        '',
        'def install(self, spec, prefix):',
        '    with working_dir(self.build_directory):',
        '        inspect.getmodule(self).ninja("install")',
      )
      break
    case 'CudaPackage':
      L.push(
        'cuda_arch_values = ("50", "52", "60", "61", "70", "75", "80", "86", "89", "90", "90a", "100", "120")',
        '',
        '@staticmethod',
        'def cuda_flags(arch_list):',
        '    return [f"--generate-code=arch=compute_{s},code=sm_{s}" for s in arch_list]',
      )
      break
    case 'ROCmPackage':
      L.push(
        'amdgpu_targets = ("gfx900", "gfx906", "gfx908", "gfx90a", "gfx940", "gfx941", "gfx942", "gfx1030", "gfx1100")',
        '',
        '@staticmethod',
        'def hip_flags(amdgpu_target):',
        '    archs = ",".join(amdgpu_target)',
        '    return f"--amdgpu-target={archs}"',
      )
      break
    case 'Package':
      L.push(
        'def install(self, spec, prefix):',
        '    raise InstallError(f"{self.name}: no install method defined")',
      )
      break
    default: {
      const tool = module.replace(/_/g, '-')
      L.push(
        'def build_args(self):',
        '    return []',
        '',
        'def build(self, spec, prefix):',
        '    with working_dir(self.build_directory):',
        `        inspect.getmodule(self).${module === 'generic' ? 'make' : 'which'}(${module === 'generic' ? '' : `${py(tool)}`})`,
        '',
        'def install(self, spec, prefix):',
        `    mkdirp(prefix.bin)`,
        `    install_tree(self.build_directory, prefix)`,
      )
    }
  }
  return L
}

const BS_VARIANT_VALUES = {
  build_type: '("Debug", "Release", "RelWithDebInfo", "MinSizeRel")',
  buildtype: '("plain", "debug", "debugoptimized", "release", "minsize")',
  default_library: '("shared", "static")',
}

function renderModule(module, classes, ctx) {
  // classes: [{ cls, parentImport: {module, cls}, bs: name|null, variants, deps, provides }]
  const imports = new Set()
  const body = []
  for (const c of classes) {
    const parent = c.parent
    if (parent.module !== module && parent.module !== '_package_base')
      imports.add(`from .${parent.module} import ${parent.cls}`)
    body.push('', '', `class ${c.cls}(${parent.cls}):`)
    body.push(
      `    """Specialized class for packages ${c.bs ? `built with the ${c.bs} build system` : `using ${c.cls}`}."""`,
    )
    body.push('')
    const em = new Emitter()
    if (c.bs) {
      em.line(`build_system_class = ${py(c.cls)}`)
      em.line(`default_buildsystem = ${py(c.bs)}`)
      em.line('')
      em.line(`build_system(${py(c.bs)})`)
    }
    if (c.cls === 'CudaPackage')
      em.line('variant("cuda", default=False, description="Build with CUDA")')
    for (const v of c.variants) {
      // module variants: known values where Spack defines them
      const args = [py(v.name)]
      if (v.default === null)
        args.push(
          `values=any_combination_of(*${c.cls === 'CudaPackage' ? 'cuda_arch_values' : 'amdgpu_targets'})`,
          'sticky=True',
        )
      else args.push(`default=${pyValue(v.default)}`)
      if (BS_VARIANT_VALUES[v.name]) args.push(`values=${BS_VARIANT_VALUES[v.name]}`)
      args.push(`description=${py(variantDescription(v.name))}`)
      if (v.when) args.push(`when=${py(v.when)}`)
      if (!(c.cls === 'CudaPackage' && v.name === 'cuda')) em.line(`variant(${args.join(', ')})`)
    }
    if (c.cls === 'CMakePackage')
      em.line(
        'variant("generator", default="make", values=("make", "ninja"), description="The build system generator to use", when="build_system=cmake")',
      )
    emitDeps(em, c.deps)
    emitProvides(em, c.provides)
    if (em.lines.length) em.line('')
    for (const l of moduleClassBody(module, c.cls)) em.line(l)
    body.push(...em.lines)
    ctx.moduleDefs.push(...[...em.moduleDefs].map(([n, l]) => l ?? `${n} = False`))
  }
  const defs = ctx.moduleDefs.length ? ['', ...[...new Set(ctx.moduleDefs)]] : []
  return [
    LICENSE_HEADER,
    'import inspect',
    'import os',
    '',
    ...(module === '_package_base' ? [] : [`from ._package_base import PackageBase`]),
    ...[...imports].sort(),
    '',
    'from spack.package import *',
    ...defs,
    ...body,
    '',
  ].join('\n')
}

function renderPackageBase() {
  return `${LICENSE_HEADER}"""The base class of every package in this repository: build phases, prefix and spec access."""

import os

from spack.package import *


class PackageBase(PackageViewMixin, metaclass=PackageMeta):
    """Base class for all packages: holds the concrete spec and drives the build phases."""

    #: phases run by the default builder, in order
    phases = ("install",)
    #: whether the package is a virtual-only bundle
    has_code = True
    #: extra arguments for parallel make
    parallel = True

    def __init__(self, spec):
        self.spec = spec
        self.name = spec.name
        super().__init__()

    @property
    def prefix(self):
        return self.spec.prefix

    @property
    def build_directory(self):
        return os.path.join(self.stage.source_path, "spack-build")

    @property
    def run_tests(self):
        return getattr(self, "_run_tests", False)

    def setup_build_environment(self, env):
        pass

    def setup_run_environment(self, env):
        pass

    def setup_dependent_build_environment(self, env, dependent_spec):
        pass

    def do_install(self, **kwargs):
        for phase in self.phases:
            getattr(self, phase)(self.spec, self.prefix)
`
}

// ---------------------------------------------------------------------------------------------
// package.py

function renderPackage(name, p, ctx) {
  const { includedDep, localClasses } = ctx
  const imports = new Map() // module → Set(names)
  const rawImports = new Set()
  const addImport = (mod, n) => (imports.get(mod) ?? imports.set(mod, new Set()).get(mod)).add(n)
  const own = className(name)
  const localNames = new Set(localClasses.map((c) => c.cls))

  const resolveBase = (b) => {
    if (b.includes('.')) {
      const [mod, cls] = b.split('.')
      rawImports.add(`from ${BS_IMPORT} import ${mod}`)
      return `${mod}.${cls}`
    }
    if (localNames.has(b)) return b
    const key = p.inherits.find((k) => k.endsWith(`:${b}`))
    if (key) {
      const kp = classKeyParts(key)
      if (kp.kind === 'module') addImport(`${BS_IMPORT}.${kp.module}`, b)
      else addImport(`${PKG_IMPORT}.${packageDir(kp.pkg)}.package`, b)
      return b
    }
    if (b === 'Package') {
      addImport(`${BS_IMPORT}.generic`, 'Package')
      return b
    }
    throw new Error(`${name}: cannot resolve base class ${b}`)
  }

  const em = new Emitter()
  const blocks = []
  const files = new Map()

  // classes defined in this package and used by others (FftwBase, BlisBase, ...)
  for (const lc of localClasses) {
    if (lc.cls === own) continue
    const lem = new Emitter()
    const parents = lc.parents.map(resolveBase)
    emitVariants(lem, lc.variants)
    emitDeps(lem, lc.deps.filter(includedDep))
    emitProvides(lem, lc.provides)
    lem.line('')
    lem.line(`def setup_build_environment(self, env):`)
    lem.line(`    env.set(${py(`${lc.cls.toUpperCase()}_ROOT`)}, self.prefix)`)
    blocks.push(
      '',
      '',
      `class ${lc.cls}(${parents.join(', ') || 'PackageBase'}):`,
      `    """Shared base of the ${name} family of packages."""`,
      '',
      ...lem.lines,
    )
    for (const [k, v] of lem.moduleDefs) em.moduleDefs.set(k, v)
    if (lem.needsSys) em.needsSys = true
  }

  const bases = (p.bases.length ? p.bases : ['Package']).map(resolveBase)
  const words = name.split('-')
  const docKind = p.build_systems[0] ?? 'generic'
  em.line(
    `"""${words[0][0].toUpperCase() + words.join(' ').slice(1)} is ${/^[aeiou]/.test(docKind) ? 'an' : 'a'} ${docKind === 'python_pip' ? 'Python package' : docKind === 'generic' ? 'software package' : `${docKind}-built package`} from the Spack`,
  )
  em.line(`package repository, regenerated for scale benchmarks of binary-check."""`)
  em.line('')
  const v0 = p.versions.find((v) => !BRANCH_VERSIONS.has(v)) ?? '1.0.0'
  em.line(`homepage = ${py(`https://github.com/${name}/${name}`)}`)
  em.line(`url = ${py(`https://github.com/${name}/${name}/archive/refs/tags/v${v0}.tar.gz`)}`)
  if (p.versions.some((v) => BRANCH_VERSIONS.has(v)))
    em.line(`git = ${py(`https://github.com/${name}/${name}.git`)}`)
  em.line('')
  const h = parseInt(sha256hex(name).slice(0, 2), 16)
  em.line(`maintainers(${py(`dev-${(h % 97).toString(36)}${name.slice(0, 3)}`)})`)
  em.line(
    `license(${py(['Apache-2.0', 'MIT', 'BSD-3-Clause', 'GPL-2.0-or-later', 'LGPL-2.1-or-later'][h % 5])})`,
  )
  em.line('')
  if (p.build_systems.length > 1) {
    em.line(
      `build_system(${p.build_systems.map(py).join(', ')}, default=${py(p.build_systems[0])})`,
    )
    em.line('')
  }
  const deprecated = new Set(p.deprecated_versions)
  for (const v of p.versions) {
    if (BRANCH_VERSIONS.has(v)) em.line(`version(${py(v)}, branch=${py(v)})`)
    else
      em.line(
        `version(${py(v)}, sha256=${py(sha256hex(`${name}@${v}`))}${deprecated.has(v) ? ', deprecated=True' : ''})`,
      )
  }
  const ownVariants = p.variants.filter(
    (v) =>
      !v.inherited_from || (localNames.has(own) && v.inherited_from === `package ${name}:${own}`),
  )
  if (ownVariants.length) em.line('')
  emitVariants(em, ownVariants)
  // own deps: non-inherited, plus inherited ones no base class declares
  const declared = (d) =>
    [...p.inherits, ...localClasses.map((c) => c.key)].some((k) =>
      ctx.classSigs.get(k)?.has(depSig(d)),
    )
  const ownDeps = p.deps.filter((d) => (!d.inherited || !declared(d)) && includedDep(d))
  if (ownDeps.length) em.line('')
  emitDeps(em, ownDeps)
  const ownProvides = p.provides.filter((pv) => !pv.inherited_from)
  if (ownProvides.length) em.line('')
  emitProvides(em, ownProvides)
  if (p.patches.length) em.line('')
  emitPatches(em, name, p.patches, files)
  em.line('')
  const mainBs =
    p.build_systems[0] ?? (p.inherits.some((k) => k.includes('cmake.py')) ? 'cmake' : 'generic')
  for (const l of methodBody(name, mainBs, p, p.deps)) em.line(l)

  const header = [LICENSE_HEADER]
  if (em.needsSys) header.push('import sys', '')
  const importLines = [...rawImports]
  for (const [mod, ns] of [...imports].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    importLines.push(`from ${mod} import ${[...ns].sort().join(', ')}`)
  importLines.sort()
  header.push(...importLines, '', 'from spack.package import *')
  // helper names of expressions: called ones become functions, the others booleans
  const defLines = [...em.moduleDefs].map(
    ([n, l]) => l ?? (ctx.callNames.has(n) ? `def ${n}():\n    return False\n` : `${n} = False`),
  )
  if (defLines.length) header.push('', ...defLines)
  const text = [
    ...header,
    ...blocks,
    '',
    '',
    `class ${own}(${bases.join(', ')}):`,
    ...em.lines,
    '',
  ].join('\n')
  return { text, files }
}

// ---------------------------------------------------------------------------------------------
// main generation

export function buildRepoFiles({ corpusFile = DEFAULT_CORPUS, packages: limit } = {}) {
  const corpus = loadCorpus(corpusFile)
  const P = corpus.packages
  // expression helper names called like functions (slingshot_network())
  const callNames = new Set()
  for (const p of Object.values(P))
    for (const v of p.variants)
      if (typeof v.default === 'string')
        for (const m of v.default.matchAll(/(?<![\w.])([A-Za-z_]\w*)\(/g)) callNames.add(m[1])

  const allProviders = chooseProviders(P, new Set(Object.keys(P)))
  const included = selectPackages(P, limit, allProviders)
  const providers = chooseProviders(P, included)
  const includedDep = (d) => included.has(d.name) || providers[d.name] !== undefined

  const { users, classDeps, classSigs } = assignInheritedDeps(P)

  // inherited variants and provides, by class
  const classVariants = new Map()
  const classProvides = new Map()
  for (const n of Object.keys(P).sort()) {
    for (const v of P[n].variants) {
      if (!v.inherited_from) continue
      const a =
        classVariants.get(v.inherited_from) ??
        classVariants.set(v.inherited_from, []).get(v.inherited_from)
      if (!a.some((x) => x.name === v.name && x.when === v.when)) a.push(v)
    }
    for (const pv of P[n].provides) {
      if (!pv.inherited_from) continue
      const a =
        classProvides.get(pv.inherited_from) ??
        classProvides.set(pv.inherited_from, []).get(pv.inherited_from)
      if (!a.some((x) => x.spec === pv.spec && x.when === pv.when)) a.push(pv)
    }
  }

  // classes: build-system modules and package-defined bases
  const moduleClasses = new Map() // module → Map(cls → def)
  const packageClasses = new Map() // pkg → [def]
  const ensureModuleClass = (module, cls) => {
    const m = moduleClasses.get(module) ?? moduleClasses.set(module, new Map()).get(module)
    if (!m.has(cls)) {
      const key = `build_systems/${module}.py:${cls}`
      const bs =
        Object.entries(BUILD_SYSTEM_CLASS).find(([, [mo, c]]) => mo === module && c === cls)?.[0] ??
        null
      const parentSpec =
        MODULE_CLASS_PARENT[`${module}:${cls}`] ??
        (cls === 'PackageBase' ? null : ['_package_base', 'PackageBase'])
      m.set(cls, {
        cls,
        bs,
        parent: parentSpec ? { module: parentSpec[0], cls: parentSpec[1] } : null,
        variants: classVariants.get(key) ?? [],
        deps: classDeps.get(key) ?? [],
        provides: classProvides.get(key) ?? [],
      })
      if (parentSpec && parentSpec[0] !== '_package_base')
        ensureModuleClass(parentSpec[0], parentSpec[1])
    }
  }
  for (const [bs, [module, cls]] of Object.entries(BUILD_SYSTEM_CLASS)) {
    if (bs === 'generic' || Object.values(P).some((p) => p.build_systems.includes(bs)))
      ensureModuleClass(module, cls)
  }
  for (const key of [...users.keys()].sort()) {
    const kp = classKeyParts(key)
    if (kp.kind === 'module') ensureModuleClass(kp.module, kp.cls)
    else {
      const us = users.get(key)
      // parents: the other classes every user inherits (module classes only)
      let common = null
      for (const u of us) {
        const s = P[u].inherits.filter((k) => k !== key && k.startsWith('build_systems/'))
        common = common === null ? s : common.filter((k) => s.includes(k))
      }
      const parents = (common ?? []).map((k) => classKeyParts(k).cls)
      // drop ancestors of other parents (PythonExtension when PythonPackage is there)
      const anc = new Set(
        parents
          .map(
            (c) => Object.entries(MODULE_CLASS_PARENT).find(([k]) => k.endsWith(`:${c}`))?.[1]?.[1],
          )
          .filter(Boolean),
      )
      const a = packageClasses.get(kp.pkg) ?? packageClasses.set(kp.pkg, []).get(kp.pkg)
      a.push({
        key,
        cls: kp.cls,
        parents: parents.filter((c) => !anc.has(c)),
        variants: classVariants.get(key) ?? [],
        deps: classDeps.get(key) ?? [],
        provides: classProvides.get(key) ?? [],
      })
    }
  }

  const files = new Map() // path → string|Buffer
  // build-system modules (deps filtered to the included packages)
  files.set(`${BUILD_SYSTEMS_ROOT}/__init__.py`, '')
  files.set(`${BUILD_SYSTEMS_ROOT}/_package_base.py`, renderPackageBase())
  for (const [module, classes] of [...moduleClasses].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (module === '_package_base') continue
    const defs = [...classes.values()].map((c) => ({ ...c, deps: c.deps.filter(includedDep) }))
    // parents defined in the same module come first
    defs.sort((a, b) => (a.parent?.cls === b.cls ? 1 : b.parent?.cls === a.cls ? -1 : 0))
    files.set(`${BUILD_SYSTEMS_ROOT}/${module}.py`, renderModule(module, defs, { moduleDefs: [] }))
  }
  files.set('repos/spack_repo/builtin/repo.yaml', 'repo:\n  namespace: builtin\n  api: v2.2\n')

  const stats = { packages: 0, patchFiles: 0, packageBytes: 0, exprDirectives: 0 }
  for (const name of [...included].sort()) {
    const p = P[name]
    const { text, files: pf } = renderPackage(name, p, {
      includedDep,
      localClasses: packageClasses.get(name) ?? [],
      classSigs,
      callNames,
    })
    const dir = `${PACKAGES_ROOT}/${packageDir(name)}`
    files.set(`${dir}/package.py`, text)
    stats.packages++
    stats.packageBytes += text.length
    for (const [f, c] of pf) {
      files.set(`${dir}/${f}`, c)
      stats.patchFiles++
    }
  }

  const providerLines = Object.entries(providers).map(([v, p]) => `  ${v}: ${p}`)
  files.set(
    '.binary-check.yml',
    `# Generated by bench/generate-spack-repo.mjs from ${corpus.source.split(' ')[0]}\n` +
      `ecosystem: spack\nrecipes: ${PACKAGES_ROOT}\nbuildSystems: ${BUILD_SYSTEMS_ROOT}\nproviders:\n${providerLines.join('\n')}\n`,
  )
  files.set(
    'README.md',
    `# Generated Spack recipe repository\n\n${stats.packages} packages from ${corpus.source}, written by\n\`bench/generate-spack-repo.mjs\` for binary-check's scale benchmark. Checksums are fake.\n`,
  )
  // JSON.stringify literals are valid Python only for ASCII text (the corpus is ASCII)
  for (const [path, content] of files)
    if (/[^\t\n\r\x20-\x7e]/.test(content)) throw new Error(`${path}: non-ASCII content generated`)
  return { files, stats, providers }
}

function git(cwd, args, input) {
  const r = spawnSync('git', args, {
    cwd,
    input,
    env: {
      ...process.env,
      ...GIT_IDENTITY,
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: process.env.HOME ?? '/tmp',
    },
    maxBuffer: 1 << 30,
  })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return r.stdout.toString()
}

/** Writes the repository at outDir (must not exist or be empty): one commit on `main`. */
export function generateRepo(outDir, opts = {}) {
  const t0 = performance.now()
  const out = resolve(outDir)
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new Error(`${out} exists and is not empty`)
  mkdirSync(out, { recursive: true })
  const { files, stats, providers } = buildRepoFiles(opts)
  const t1 = performance.now()
  git(out, ['init', '-q', '-b', 'main'])
  git(out, ['config', 'user.name', GIT_IDENTITY.GIT_AUTHOR_NAME])
  git(out, ['config', 'user.email', GIT_IDENTITY.GIT_AUTHOR_EMAIL])
  git(out, ['config', 'commit.gpgsign', 'false'])
  // fast-import stream: one commit with every file inline
  const chunks = []
  const msg = `Import ${stats.packages} Spack packages (generated)\n`
  chunks.push(
    Buffer.from(
      `commit refs/heads/main\nauthor ${GIT_IDENTITY.GIT_AUTHOR_NAME} <${GIT_IDENTITY.GIT_AUTHOR_EMAIL}> ${GIT_IDENTITY.GIT_AUTHOR_DATE}\n` +
        `committer ${GIT_IDENTITY.GIT_COMMITTER_NAME} <${GIT_IDENTITY.GIT_COMMITTER_EMAIL}> ${GIT_IDENTITY.GIT_COMMITTER_DATE}\n` +
        `data ${Buffer.byteLength(msg)}\n${msg}`,
    ),
  )
  for (const [path, content] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const buf = Buffer.isBuffer(content) ? content : Buffer.from(content)
    chunks.push(
      Buffer.from(`M 100644 inline ${path}\ndata ${buf.length}\n`),
      buf,
      Buffer.from('\n'),
    )
  }
  chunks.push(Buffer.from('\n'))
  git(out, ['fast-import', '--quiet', '--date-format=raw'], Buffer.concat(chunks))
  git(out, ['reset', '--hard', '-q', 'main'])
  const t2 = performance.now()
  return {
    dir: out,
    files: files.size,
    ...stats,
    providers,
    head: git(out, ['rev-parse', 'HEAD']).trim(),
    renderMs: Math.round(t1 - t0),
    gitMs: Math.round(t2 - t1),
    totalMs: Math.round(t2 - t0),
  }
}

function parseArgs(argv) {
  const o = { out: null, packages: undefined, corpus: DEFAULT_CORPUS }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--packages') o.packages = Number(argv[++i])
    else if (a.startsWith('--packages=')) o.packages = Number(a.slice(11))
    else if (a === '--corpus') o.corpus = argv[++i]
    else if (a === '-h' || a === '--help') o.help = true
    else if (!o.out) o.out = a
    else throw new Error(`unexpected argument ${a}`)
  }
  if (o.packages !== undefined && !(Number.isInteger(o.packages) && o.packages > 0))
    throw new Error('--packages expects a positive integer')
  return o
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const o = parseArgs(process.argv.slice(2))
    if (o.help || !o.out) {
      console.log('Usage: node bench/generate-spack-repo.mjs OUTDIR [--packages N] [--corpus FILE]')
      process.exit(o.help ? 0 : 2)
    }
    const r = generateRepo(o.out, { packages: o.packages, corpusFile: o.corpus })
    console.log(
      `generated ${r.dir}: ${r.packages} packages, ${r.patchFiles} patch files, ${r.files} files, ` +
        `${Object.keys(r.providers).length} providers, HEAD ${r.head.slice(0, 12)} ` +
        `(render ${r.renderMs} ms, git ${r.gitMs} ms, total ${r.totalMs} ms)`,
    )
  } catch (e) {
    console.error(`generate-spack-repo: ${e.message}`)
    process.exit(1)
  }
}
