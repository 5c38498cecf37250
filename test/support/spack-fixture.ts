/**
 * A small Spack recipe repository (spack_repo layout) in a real git fixture, for planner tests:
 * build-system modules, a handful of packages with the directives the planner reads, and a
 * config with pinned spec versions.
 */
import { createGitFixture, type GitFixture } from './git-fixture.js'

export const ROOT = 'repos/spack_repo/t'
export const PKG = `${ROOT}/packages`
export const BS = `${ROOT}/build_systems`

export const GENERIC = `from spack.package import *


class Package(PackageBase):
    build_system("generic")

    def setup_build_environment(self, env):
        env.set("T", "1")
`

export const CMAKE_BS = `from spack.package import *

from .generic import Package


class CMakePackage(Package):
    build_system("cmake")

    depends_on("cmake", type="build", when="build_system=cmake")

    def cmake_args(self):
        return []
`

export const R_BS = `from spack.package import *

from .generic import Package


class RPackage(Package):
    build_system("r")

    depends_on("r", type=("build", "run"), when="build_system=r")

    def install(self, spec, prefix):
        R("CMD", "INSTALL", f"--library={prefix}", ".")
`

export const ZLIB = `# Copyright header
from spack_repo.t.build_systems.generic import Package

from spack.package import *


class Zlib(Package):
    """zlib."""

    homepage = "https://zlib.net"

    version("1.3.1", sha256="aaaa")
    version("1.3", sha256="bbbb")
    version("1.2.13", sha256="cccc")

    variant("shared", default=True, description="shared libs")

    patch("old.patch", when="@:1.2")

    def install(self, spec, prefix):
        make("install")
`

export const CMAKE = `from spack_repo.t.build_systems.generic import Package

from spack.package import *


class Cmake(Package):
    version("3.31.0", sha256="dddd")

    def install(self, spec, prefix):
        make("install")
`

export const LIBFOO = `from spack_repo.t.build_systems.cmake import CMakePackage

from spack.package import *


class Libfoo(CMakePackage):
    """libfoo."""

    version("2.0", sha256="eeee")
    version("1.0", sha256="ffff")

    variant("cuda", default=False, description="CUDA")

    depends_on("zlib", type=("build", "link"))

    with when("+cuda"):
        depends_on("cuda", type=("build", "link"))

        def cuda_flags(self):
            return ["-arch=sm_80"]

    def cmake_args(self):
        return [self.define_from_variant("FOO_CUDA", "cuda")]

    @when("@2:")
    def patch(self):
        filter_file("old", "new", "CMakeLists.txt")
`

export const CUDA = `from spack_repo.t.build_systems.generic import Package

from spack.package import *


class Cuda(Package):
    version("12.6", sha256="1111")

    def install(self, spec, prefix):
        install_tree(".", prefix)
`

export const APP = `from spack_repo.t.build_systems.cmake import CMakePackage

from spack.package import *


class App(CMakePackage):
    version("1.0", sha256="2222")

    depends_on("libfoo", type=("build", "link"))

    def cmake_args(self):
        return ["-DAPP=ON"]
`

export const R = `from spack_repo.t.build_systems.generic import Package

from spack.package import *


class R(Package):
    version("4.4.1", sha256="3333")

    def install(self, spec, prefix):
        make("install")
`

export const RRCPP = `from spack_repo.t.build_systems.r import RPackage

from spack.package import *


class RRcpp(RPackage):
    version("1.0.13", sha256="4444")
`

export const CONFIG = `ecosystem: spack
recipes: ${PKG}
buildSystems: ${BS}
specs:
  - zlib@1.3.1
  - zlib@1.2.13
  - libfoo@2.0
  - libfoo@1.0
  - libfoo@2.0+cuda
  - app@1.0
  - r-rcpp
  - cmake
# zlib@1.3.1 and zlib@1.2.13 (and three libfoo) are requested together: each resolves on its own
concretizer: { unify: false }
containers:
  - when: "%gcc"
    image: ghcr.io/example/gcc:1
`

export const FILES: Record<string, string> = {
  '.binary-check.yml': CONFIG,
  [`${ROOT}/__init__.py`]: '',
  [`${BS}/__init__.py`]: '',
  [`${BS}/generic.py`]: GENERIC,
  [`${BS}/cmake.py`]: CMAKE_BS,
  [`${BS}/r.py`]: R_BS,
  [`${PKG}/zlib/package.py`]: ZLIB,
  [`${PKG}/zlib/old.patch`]: '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n',
  [`${PKG}/cmake/package.py`]: CMAKE,
  [`${PKG}/libfoo/package.py`]: LIBFOO,
  [`${PKG}/cuda/package.py`]: CUDA,
  [`${PKG}/app/package.py`]: APP,
  [`${PKG}/r/package.py`]: R,
  [`${PKG}/r_rcpp/package.py`]: RRCPP,
}

/** A fixture repository with FILES committed as its first commit. */
export async function createSpackFixture(
  files: Record<string, string> = FILES,
): Promise<GitFixture> {
  const fx = await createGitFixture()
  for (const [path, content] of Object.entries(files)) await fx.write(path, content)
  await fx.commit('initial recipes')
  return fx
}
