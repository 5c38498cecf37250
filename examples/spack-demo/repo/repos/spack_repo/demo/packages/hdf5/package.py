# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)

from spack_repo.demo.build_systems.cmake import CMakePackage

from spack.package import *


class Hdf5(CMakePackage):
    """HDF5 is a data model, library, and file format for storing and managing data."""

    homepage = "https://www.hdfgroup.org/HDF5/"

    version("1.14.5", sha256="ec2e13c52e60f9a01491bb3158cb3778c985697131fc6a342262d32a26e58e44")
    version("1.12.3", sha256="2e4abde7a6a1e4d6e9a4e1b0a5b5e8e4d1c8a7f0b5e6d2c4a3f1e0d9c8b7a6f5")

    variant("mpi", default=True, description="Enable MPI support")
    variant("szip", default=False, description="Enable szip support")

    depends_on("zlib@1.2.5:", type=("build", "link"))
    depends_on("mpi", when="+mpi")

    patch("fortran-kinds.patch", when="@:1.12")

    def cmake_args(self):
        return [
            self.define_from_variant("HDF5_ENABLE_PARALLEL", "mpi"),
            self.define_from_variant("HDF5_ENABLE_SZIP_SUPPORT", "szip"),
            self.define("HDF5_BUILD_EXAMPLES", False),
        ]

    @when("@1.14:")
    def setup_run_environment(self, env):
        env.set("HDF5_PLUGIN_PATH", self.prefix.lib.plugin)
