# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)

from spack_repo.demo.build_systems.autotools import AutotoolsPackage

from spack.package import *


class Python(AutotoolsPackage):
    """The Python programming language."""

    homepage = "https://www.python.org/"

    for ver, checksum in (
        ("3.13.1", "1513925a9f255ef0793dbf2f78bb4533c9f184bdd0ad19763fd7f47a400a7c55"),
        ("3.12.8", "76ab5e3c7c2d81fb9b0b6ea1e6a7ac1b5db3a7dd0b2b4a7e1d7d0e7e0a9c1b2c"),
    ):
        version(ver, sha256=checksum)

    depends_on("openssl", type=("build", "link"))
    depends_on("zlib", type=("build", "link"))

    def configure_args(self):
        return ["--enable-shared", "--with-ensurepip=no"]
