# The build step of each build job of examples/gitlab/spack-buildcache.gitlab-ci.yml (the
# component's `build-script` input). It runs in the build image with the job's variables:
#   BINARY_CHECK_SPEC        the lock node, e.g. zlib-ng@2.2.4/s3wkqtw
#   BINARY_CHECK_SPACK_HASH  its DAG hash in spack.lock
#   BINARY_CHECK_ARTIFACT    where the job must leave a file (here: a note of what was pushed)
# Values come from variables, never from text pasted into the script.
set -eu

spack -e . mirror add --unsigned --oci-username-variable CI_REGISTRY_USER \
  --oci-password-variable CI_REGISTRY_PASSWORD gitlab "oci://$CI_REGISTRY_IMAGE/spack-cache"

# The locked spec, exactly as concretized; its dependencies come from the cache (the ones this
# pipeline rebuilt were pushed by their own jobs, which this job `needs:`).
spack -e . install --no-add --use-buildcache package:never,dependencies:auto "/$BINARY_CHECK_SPACK_HASH"
spack -e . buildcache push --unsigned --only package gitlab "/$BINARY_CHECK_SPACK_HASH"

printf '%s pushed to oci://%s/spack-cache\n' "$BINARY_CHECK_SPEC" "$CI_REGISTRY_IMAGE" > "$BINARY_CHECK_ARTIFACT"
