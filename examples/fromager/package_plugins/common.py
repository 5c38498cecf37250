"""Helpers shared by the plugins."""

from fromager import wheels


def build_wheel_with_env(ctx, build_env, extra_environ, req, sdist_root_dir, build_dir):
    extra_environ.setdefault("MAX_JOBS", "8")
    return wheels.default_build_wheel(
        ctx=ctx,
        build_env=build_env,
        extra_environ=extra_environ,
        req=req,
        sdist_root_dir=sdist_root_dir,
        version=None,
        build_dir=build_dir,
    )
