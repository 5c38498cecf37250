# The build step of each build job (the component's `build-script` input): the content of this
# file runs in the spec's image, with the spec in BINARY_CHECK_SPEC and the path to leave the
# binary at in BINARY_CHECK_ARTIFACT. An example for Spack build caches; adapt to your builder.
set -e

# Dependencies rebuilt in this pipeline arrive as their build jobs' artifacts: unpack their build
# caches into one local mirror. The others come from the build cache your image already configures.
mkdir -p pipeline-cache
for artifact in binary-check-artifacts/*; do
  [ -f "$artifact" ] && [ "$artifact" != "$BINARY_CHECK_ARTIFACT" ] || continue
  tar -xzf "$artifact" -C pipeline-cache
done
spack mirror add --unsigned pipeline "file://$PWD/pipeline-cache"

# Build this package from source, its dependencies from build caches where they exist.
spack install --use-buildcache package:never,dependencies:auto "$BINARY_CHECK_SPEC"

# One file: this package's build cache entry, as a tarball.
spack buildcache push --unsigned --only package ./out "$BINARY_CHECK_SPEC"
tar -czf "$BINARY_CHECK_ARTIFACT" -C ./out .
