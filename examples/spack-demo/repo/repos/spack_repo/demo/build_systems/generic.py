# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)
"""Base class of every demo package."""
from spack.package import *


class Package(PackageBase):
    """A package built by its own install() method."""

    build_system("generic")

    def setup_build_environment(self, env):
        env.set("DEMO_BUILD", "1")
