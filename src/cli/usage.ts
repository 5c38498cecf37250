/** Help texts of the CLI commands. */
export const MAIN_HELP = `binary-check — which prebuilt binaries are stale, and why

Usage: binary-check <command> [options]

Commands:
  plan      plan what must be rebuilt between two commits (or against a mirror)
  explain   show a spec's digest tree and what differs from the reference
  record    record a built binary and its digest into a mirror
  index     merge the mirror's entries into its index (and the complete view of a plan)
  history   list the entries recorded for a spec, newest first
  claim     claim a spec digest for building (other plans see it in progress)
  release   remove a digest's claim
  spack-hash  Spack's own package_hash and content_hash of recipes (no Spack needed)

Run 'binary-check <command> --help' for a command's options.
`

export const PLAN_HELP = `Usage: binary-check plan --repo DIR [options]

Plan the rebuilds: digests at head against the mirror's index (with --mirror or the config's
mirror), else against the base commit.

Options:
  --repo DIR          the recipe repository (a git work tree; default: .)
  --config FILE       config file (default: .binary-check.yml in the repository at head)
  --base REV          base revision (default: none, or HEAD with --head WORKTREE)
  --head REV          head revision, or WORKTREE for uncommitted changes (default: HEAD)
  --mirror URL        mirror (file://DIR or oci://HOST/REPO); overrides the config's mirror
  --format FMT        json | text | gitlab | mermaid | dot (default: text); mermaid and dot
                      draw the rebuild graph: changes → specs by wave (collapsed past 150 nodes)
  --output FILE       write the plan (or the GitLab child pipeline) there instead of stdout
  --report FILE       also write a Markdown report there: verdict, counts by reason and the
                      rebuild graph (for a pull-request comment or a merge-request note)
  --cache-dir DIR     analysis cache (default: $XDG_CACHE_HOME/binary-check, else ~/.cache/binary-check)
  --no-cache          do not read or write the analysis cache
  --strict            fail on an unreadable recipe or a directive kept as code (default: warn)
  --trust SIDE        whose config may run commands, read env values and pick hosts: head,
                      base (the base commit's), or auto (default: base for fork merge requests
                      and pull requests, pull_request_target; head otherwise)
  -v, --verbose       progress and timings on stderr (always on when stderr is a terminal)
  -h, --help          this help

With --format gitlab: a GitLab child pipeline that builds the plan (one job per spec, or per
batch), records each binary into the mirror and indexes it; a single noop job when nothing
builds. Spec data reach the build step as job variables (BINARY_CHECK_SPEC, _PACKAGE, _VERSION,
_DIGEST, _CONTAINER, _ARTIFACT: the file the build must leave), never inside the script.
  --build-script FILE   the build step: this file's content, run for each spec
  --build-command CMD   the build step as one command (instead of --build-script)
  --build-image IMAGE   image of specs the config maps to no container (default: the runner's)
  --record-image IMAGE  image of the record and index jobs, with Node 24 (default: node:24)
  --max-needs N         needs per job, 1-50 (default: 50); beyond it, one stage per wave
  --max-jobs N          jobs in the pipeline (default: 500); beyond it, specs are batched
  --cli-version V       binary-check version the record jobs run (default: this one's)
  --cli-package SPEC    npm package spec they run instead (a tarball, a fork)

Exit status: 0 whatever the plan says, 1 on bad input, 2 on usage errors.
`

export const EXPLAIN_HELP = `Usage: binary-check explain SPEC... --repo DIR [options]

Print each spec's digest tree and what differs from the reference (mirror entry or base commit):
the plan's reasons ("differs") and every input whose value changed, old → new ("changed"), from
the inputs the mirror entry recorded (record --plan) or the base commit's.
SPEC is a spec id from the plan, or a package name (all of its specs).

Options: --repo, --config, --base, --head, --mirror, --cache-dir, --trust as for plan, and
  --format FMT        text | json | mermaid (default: text); mermaid draws each spec's rebuild
                      path: the changes that started it, through the dependencies that carried it
`

export const RECORD_HELP = `Usage: binary-check record --mirror URL --spec ID --digest D --artifact PATH [options]

Copy a built artifact into the mirror (content-addressed), then write the spec's entry.

Options:
  --mirror URL        the mirror (file://DIR or oci://HOST/REPO)
  --spec ID           the spec id (as in the plan's matrix)
  --digest D          the spec digest (sha256:…) the artifact was built from
  --artifact PATH     the built binary (file)
  --plan FILE         the plan JSON (adds package, version and the digest inputs to the entry)
  --package NAME      package name (when no --plan is given)
  --version V         version (when no --plan is given)
  --commit SHA        the commit it was built from
  --builder TEXT      who built it (runner, job url)
`

export const INDEX_HELP = `Usage: binary-check index --mirror URL [--plan FILE]

Merge every entry of the mirror into its index.json (with its checksum). Entry files that are
unusable (bad JSON, missing artifact) are skipped with a warning; temp files a killed writer
left behind are ignored, and removed once older than an hour.

Options:
  --mirror URL        the mirror (file://DIR or oci://HOST/REPO)
  --plan FILE         a plan JSON: also write the complete view of its specs into the index
                      ("view": for every spec, the newest entry built from the plan's digest —
                      rebuilt now or earlier — or "missing")
`

export const HISTORY_HELP = `Usage: binary-check history SPEC --mirror URL [--format text|json]

List the entries recorded for SPEC (one per digest, the current one marked), newest first:
digest, build time, commit and artifact.

Options:
  --mirror URL        the mirror (file://DIR or oci://HOST/REPO)
  --format FMT        text | json (default: text)
`

export const CLAIM_HELP = `Usage: binary-check claim --mirror URL --digest D [--ttl 2h] [--owner TEXT] [--format text|json]

Claim a spec digest before building it. While the claim is live, plans against this mirror list
specs of that digest as in-progress instead of rebuilding them. Exit status 0 either way:
  claimed <digest> by <owner> until <time>     the claim is yours (new, renewed, or taken over
                                               from an expired one)
  held by <owner> until <time>                 someone else holds a live claim: do not build

Options:
  --mirror URL        the mirror (file://DIR or oci://HOST/REPO)
  --digest D          the spec digest (sha256:…), as in the plan's matrix
  --ttl DURATION      how long the claim lives: 90 (seconds), 30m, 2h, 1d (default: 2h)
  --owner TEXT        who claims (default: $CI_PIPELINE_URL, the GitHub run URL, else
                      user@host); claiming again with the same owner renews the claim
  --format FMT        text | json (default: text); json: {"claimed": true|false, "digest",
                      "owner", "claimedAt", "expiresAt"} (owner etc. of the holder when false)
`

export const RELEASE_HELP = `Usage: binary-check release --mirror URL --digest D [--owner TEXT]

Remove the claim on a digest (after recording, or when the build failed).

Options:
  --mirror URL        the mirror (file://DIR or oci://HOST/REPO)
  --digest D          the claimed spec digest (sha256:…)
  --owner TEXT        only release a claim held by this owner (else: exit 1, nothing removed)
`

export const SPACK_HASH_HELP = `Usage: binary-check spack-hash --repo DIR [--head REV] [--config FILE] [--spec SPEC]...
                              [--specs-file FILE] [--lockfile PATH] [--format json|text]

Spack's own recipe hashes, computed the way Spack computes them (its canonical_source: the
recipe's syntax tree without docstrings, directives, metadata and the @when methods the spec
cannot select, unparsed as Spack's unparser writes it), without Python or Spack:
  package_hash   base32(sha1(canonical_source)), as Spack's package_hash(spec)
  content_hash   base32(sha256(sorted source id, patches sha256:level, package_hash)): the value a
                 spack.lock stores as a node's package_hash; given where the version's source
                 (checksum or commit) is known, and for every lock node

Without --spec, --specs-file or --lockfile: one entry per package, at its default spec (the
highest version neither deprecated nor a develop version, the default of each variant).

Options:
  --repo DIR          the Spack package repository (a git work tree; default: .)
  --head REV          the commit to read the recipes from (default: HEAD)
  --config FILE       config (recipes, buildSystems); default: .binary-check.yml of the commit,
                      else the layout of spack/spack-packages (repos/spack_repo/builtin/...)
  --spec SPEC         hash this spec (repeatable), e.g. zlib@=1.3.1+shared
  --specs-file FILE   one spec per line (blank lines and # comments ignored)
  --lockfile PATH     hash every node of this spack.lock (in the commit, else on disk); each entry
                      adds lock_hash and the lock's stored_package_hash
  --format FMT        json | text (default: json): a JSON list of {package, spec, package_hash,
                      content_hash?}
`
