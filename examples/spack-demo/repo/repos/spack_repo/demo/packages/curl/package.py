# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)

from spack_repo.demo.build_systems.autotools import AutotoolsPackage

from spack.package import *


class Curl(AutotoolsPackage):
    """Command line tool and library for transferring data with URLs."""

    homepage = "https://curl.se"

    version("8.11.0", sha256="264537d90e58d2b09dddc50944baf3c38e7089151c8986715e2aaeaaf2b8118f")
    version("8.10.1", sha256="d15ebab765d793e2e96db090f0e172d127859d78ca6f6391d7eafecfd894bbc0")

    variant("nghttp2", default=False, description="Build with HTTP/2 support")

    depends_on("openssl", type=("build", "link"))
    depends_on("zlib", type=("build", "link"))

    with when("+nghttp2"):
        depends_on("pkgconfig", type="build")

    def configure_args(self):
        args = [f"--with-openssl={self.spec['openssl'].prefix}", "--without-libpsl"]
        args += self.with_or_without("nghttp2")
        return args
