# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)

from spack_repo.demo.build_systems.generic import Package

from spack.package import *


class Cmake(Package):
    """A cross-platform, open-source build system."""

    homepage = "https://cmake.org"

    version("3.31.2", sha256="42abb3f48f37dbd739cdfeb19d3712db0c5935ed5c2aef6c340f9ae9114238a2")
    version("3.30.5", sha256="9f55e1a40508f2f29b7e065fa08c29f82c402fa0402da839fffe64a25755a86d")

    variant("ownlibs", default=True, description="Use CMake-provided third-party libraries")

    depends_on("openssl", when="~ownlibs")
    depends_on("zlib", when="~ownlibs")

    def install(self, spec, prefix):
        bootstrap = Executable("./bootstrap")
        bootstrap(f"--prefix={prefix}", f"--parallel={make_jobs}")
        make()
        make("install")
