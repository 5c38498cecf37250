# Copyright binary-check demo. SPDX-License-Identifier: (Apache-2.0 OR MIT)
"""Autotools build system."""
from spack.package import *

from .generic import Package


class AutotoolsPackage(Package):
    """A package configured with ./configure."""

    build_system("autotools")

    def configure_args(self):
        return []

    def configure(self, spec, prefix):
        configure(f"--prefix={prefix}", *self.configure_args())
