"""Fromager overrides for torch (registered as the `torch` fromager.project_overrides entry point)."""

from package_plugins import common


def build_wheel(ctx, build_env, extra_environ, req, sdist_root_dir, version, build_dir):
    extra_environ["PYTORCH_BUILD_VERSION"] = str(version)
    return common.build_wheel_with_env(ctx, build_env, extra_environ, req, sdist_root_dir, build_dir)
