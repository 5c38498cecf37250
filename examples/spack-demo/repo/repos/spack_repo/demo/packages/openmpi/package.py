# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)

from spack_repo.demo.build_systems.autotools import AutotoolsPackage

from spack.package import *


class Openmpi(AutotoolsPackage):
    """An open source Message Passing Interface implementation."""

    homepage = "https://www.open-mpi.org"

    version("5.0.6", sha256="bd4183fcbc43477c254799b429df1a6e576c042e74a2d2f8b37d537b2ff98157")

    provides("mpi")

    depends_on("zlib", type=("build", "link"))

    def configure_args(self):
        return ["--enable-shared", "--disable-silent-rules"]
