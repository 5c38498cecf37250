# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)

from spack_repo.demo.build_systems.generic import Package

from spack.package import *


class Openssl(Package):
    """TLS/SSL and crypto library."""

    homepage = "https://www.openssl.org"

    version("3.4.0", sha256="e15dda82fe2fe8139dc2ac21a36d4ca01d5313c75f99f46c4e8a27709b7294bf")
    version("3.3.2", sha256="2e8a40b01979afe8be0bbfb3de5dc1c6709fedb46d6c89c10da114ab5fc3d281")

    variant("docs", default=False, description="Install docs and manpages")

    depends_on("zlib", type=("build", "link"))
    depends_on("perl@5.14.0:", type="build", when="@never")

    def install(self, spec, prefix):
        config = Executable("./config")
        config(f"--prefix={prefix}", "--openssldir=" + join_path(prefix, "etc", "openssl"), "zlib")
        make()
        make("install" if "+docs" in spec else "install_sw")
