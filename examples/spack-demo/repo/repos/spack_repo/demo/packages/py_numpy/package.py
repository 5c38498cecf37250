# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)

from spack_repo.demo.build_systems.generic import Package

from spack.package import *


class PyNumpy(Package):
    """Fundamental package for array computing in Python."""

    homepage = "https://numpy.org/"

    version("2.2.0", sha256="140dd80ff8981a583a60980be1a655068f8adebf7a45a06a6858c873fcdcd4a0")

    depends_on("python@3.10:", type=("build", "link", "run"))
    depends_on("cmake", type="build")

    def install(self, spec, prefix):
        python("-m", "pip", "install", "--no-build-isolation", f"--prefix={prefix}", ".")
