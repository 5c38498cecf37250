/** Help texts of the CLI commands. */
export const MAIN_HELP = `binary-check — which prebuilt binaries are stale, and why

Usage: binary-check <command> [options]

Commands:
  plan      plan what must be rebuilt between two commits (or against a mirror)
  explain   show a spec's digest tree and what differs from the reference
  record    record a built binary and its digest into a mirror
  index     merge the mirror's entries into its index

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
  --mirror URL        mirror (file://DIR); overrides the config's mirror
  --format FMT        json | text (default: text)
  --output FILE       write the plan there instead of stdout
  --cache-dir DIR     analysis cache (default: $XDG_CACHE_HOME/binary-check, else ~/.cache/binary-check)
  --no-cache          do not read or write the analysis cache
  -v, --verbose       progress and timings on stderr (always on when stderr is a terminal)
  -h, --help          this help

Exit status: 0 whatever the plan says, 1 on bad input, 2 on usage errors.
`

export const EXPLAIN_HELP = `Usage: binary-check explain SPEC... --repo DIR [options]

Print each spec's digest tree and what differs from the reference (mirror entry or base commit).
SPEC is a spec id from the plan, or a package name (all of its specs).

Options: --repo, --config, --base, --head, --mirror, --cache-dir as for plan, and
  --format FMT        text | json (default: text)
`

export const RECORD_HELP = `Usage: binary-check record --mirror URL --spec ID --digest D --artifact PATH [options]

Copy a built artifact into the mirror (content-addressed), then write the spec's entry.

Options:
  --mirror URL        the mirror (file://DIR)
  --spec ID           the spec id (as in the plan's matrix)
  --digest D          the spec digest (sha256:…) the artifact was built from
  --artifact PATH     the built binary (file)
  --plan FILE         the plan JSON (adds package, version and the digest inputs to the entry)
  --package NAME      package name (when no --plan is given)
  --version V         version (when no --plan is given)
  --commit SHA        the commit it was built from
  --builder TEXT      who built it (runner, job url)
`

export const INDEX_HELP = `Usage: binary-check index --mirror URL

Merge every entry of the mirror into its index.json (with its checksum).
`
