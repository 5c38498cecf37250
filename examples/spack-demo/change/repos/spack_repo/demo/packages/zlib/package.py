# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)

from spack_repo.demo.build_systems.autotools import AutotoolsPackage

from spack.package import *


class Zlib(AutotoolsPackage):
    """A free, general-purpose, legally unencumbered lossless data-compression library."""

    homepage = "https://zlib.net"
    url = "https://zlib.net/fossils/zlib-1.3.1.tar.gz"

    maintainers("demo")
    license("Zlib")

    version("1.3.1", sha256="9a93b2b7dfdac77ceba5a558a580e74667dd6fede4585b91eefb60f03b72df23")
    version("1.3", sha256="ff0ba4c292013dbc27530b3a81e1f9a813cd39de01ca5e0f8bf355702efa593e")
    version("1.2.13", sha256="b3a24de97a8fdbc835b9833169501030b8977031bcb54b3b3ac13740f846ab30")

    variant("pic", default=True, description="Produce position-independent code")
    variant("shared", default=True, description="Build shared libraries")

    patch("configure-cc.patch", when="@:1.2")

    def configure_args(self):
        args = []
        if "~shared" in self.spec:
            args.append("--static")
        args.append("--zlib-compat")
        return args
