# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)
"""CMake build system."""
from spack.package import *

from .generic import Package


class CMakePackage(Package):
    """A package configured with CMake."""

    build_system("cmake")

    variant("build_type", default="Release", values=("Debug", "Release", "RelWithDebInfo"))
    variant("generator", default="make", values=("make", "ninja"))

    depends_on("cmake@3.16:", type="build", when="build_system=cmake")

    def cmake_args(self):
        return []

    def std_cmake_args(self):
        return [
            f"-DCMAKE_INSTALL_PREFIX={self.prefix}",
            f"-DCMAKE_BUILD_TYPE={self.spec.variants['build_type'].value}",
        ]
