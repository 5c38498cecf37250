/**
 * The build-environment signature adapter (issue 5 §2): gathers what `environment` declares —
 * globally and per `containers` entry — and turns it into each spec's signature
 * (`core/digest/env-signature.ts`).
 *
 * Two kinds of inputs:
 *  - ambient, read once per run from this process: environment variable values, the signature
 *    command's stdout, the image's manifest digest (`image: true`). Base and head see the same
 *    values, so a change of them shows against the mirror (whose entries were built under other
 *    values), not between base and head;
 *  - per tree: the declared files (globs over repository paths), as git blob ids of that side's
 *    tree, so a changed Containerfile shows between base and head too.
 *
 * The command runs without a shell (argv list), in the repository, with a timeout; our values
 * reach it through environment variables (`BINARY_CHECK_CONTAINER`, `BINARY_CHECK_IMAGE_DIGEST`,
 * `BINARY_CHECK_CONTAINER_INDEX`), never spliced into its argv.
 */
import { spawn } from 'node:child_process'
import { matchesGlob } from 'node:path'
import {
  compareCodeUnits,
  DIGEST_ALGORITHM,
  digestOf,
  type Canonical,
  type Digest,
} from '../core/canonical-encode.js'
import {
  envSignatureDigest,
  envValueRecord,
  type EnvSignatureInputs,
  type EnvValue,
} from '../core/digest/env-signature.js'
import { UserError } from '../core/errors.js'
import { parseDuration, type Config } from '../config/config-schema.js'
import { resolveImageDigest, type RegistryOptions } from '../mirror/index.js'

export interface EnvironmentSignerOptions {
  /** Where the signature command runs (the repository's working tree). */
  cwd: string
  /** The environment variables read (default: `process.env`). */
  env?: NodeJS.ProcessEnv
  /** Credentials and the like for resolving image digests. */
  registry?: RegistryOptions
  /** Image digest answers (default: a fresh cache per signer, i.e. per plan). */
  imageCache?: Map<string, Promise<string>>
}

/** The signatures of one tree, by `containers` entry index (undefined: no container). */
export interface TreeEnvironments {
  signatureOf(entry: number | undefined): Digest
  /** Every signature this tree gives (one per entry and one without a container), with inputs. */
  all(): Map<Digest, EnvSignatureInputs>
}

export interface EnvironmentSigner {
  /** Digest of the ambient inputs: part of the tree cache key. */
  readonly ambientKey: Digest
  /** Whether `path` is a declared environment file (a change to it changes signatures). */
  touches(path: string): boolean
  forTree(files: ReadonlyMap<string, string>): TreeEnvironments
}

interface Declared {
  /** Config path of the declaration, for errors. */
  at: string
  env: string[]
  optionalEnv: string[]
  files: string[]
  command: string[] | undefined
  commandAt: string
  timeoutMs: number
  image: boolean
  imageAt: string
}

interface Ambient {
  container: string | null
  image: string | null
  env: Record<string, EnvValue | null>
  command: { argv: string[]; output: EnvValue } | null
  files: string[]
}

const DEFAULT_TIMEOUT_MS = 30_000

/** Undefined when no `environment` is declared anywhere: signatures stay H(container image). */
export async function createEnvironmentSigner(
  config: Config,
  options: EnvironmentSignerOptions,
): Promise<EnvironmentSigner | undefined> {
  if (!config.environment && !config.containers.some((c) => c.environment)) return undefined
  const env = options.env ?? process.env
  const imageCache = options.imageCache ?? new Map<string, Promise<string>>()
  const commandRuns = new Map<string, Promise<string>>()

  // Index -1: specs without a container (the global declaration alone).
  const slots: { index: number | undefined; container: string | null; declared?: Declared }[] = [
    { index: undefined, container: null, ...declaredOf(config, undefined) },
    ...config.containers.map((c, i) => ({
      index: i,
      container: c.image,
      ...declaredOf(config, i),
    })),
  ]
  const ambient = new Map<number | undefined, Ambient | null>()
  for (const slot of slots) {
    const d = slot.declared
    if (!d) {
      ambient.set(slot.index, null)
      continue
    }
    const values: Record<string, EnvValue | null> = {}
    for (const name of [...d.env].sort()) {
      const value = env[name]
      if (value === undefined)
        throw new UserError(
          'environment',
          `${d.at}.env`,
          `${name} is not set (declare it in optionalEnv if it may be missing)`,
        )
      values[name] = envValueRecord(name, value)
    }
    for (const name of [...d.optionalEnv].sort()) {
      if (name in values) continue
      const value = env[name]
      values[name] = value === undefined ? null : envValueRecord(name, value)
    }
    let image: string | null = null
    if (d.image && slot.container !== null) {
      const ref = slot.container
      try {
        image = await resolveImageDigest(ref, { ...(options.registry ?? {}), cache: imageCache })
      } catch (e) {
        throw new UserError(
          'environment',
          d.imageAt,
          `cannot resolve image ${ref} to a digest: ${oneLine(e)}`,
        )
      }
    }
    let command: Ambient['command'] = null
    if (d.command) {
      const argv = d.command
      const key = JSON.stringify([argv, slot.container, image, slot.index ?? -1, d.timeoutMs])
      let run = commandRuns.get(key)
      if (!run) {
        run = runCommand(argv, {
          cwd: options.cwd,
          env: {
            ...env,
            BINARY_CHECK_CONTAINER: slot.container ?? '',
            BINARY_CHECK_CONTAINER_INDEX: slot.index === undefined ? '' : String(slot.index),
            BINARY_CHECK_IMAGE_DIGEST: image ?? '',
          },
          timeoutMs: d.timeoutMs,
          place: d.commandAt,
        })
        commandRuns.set(key, run)
      }
      command = { argv, output: envValueRecord('output', await run) }
    }
    ambient.set(slot.index, {
      container: slot.container,
      image,
      env: values,
      command,
      files: d.files,
    })
  }
  const globs = [...new Set(slots.flatMap((s) => s.declared?.files ?? []))]
  const ambientKey = digestOf({
    algorithm: DIGEST_ALGORITHM,
    environments: slots.map((s) => {
      const a = ambient.get(s.index)
      return a ? (JSON.parse(JSON.stringify(a)) as Canonical) : null
    }),
  })

  return {
    ambientKey,
    touches: (path) => globs.some((g) => matchesGlob(path, g)),
    forTree(files) {
      const memo = new Map<number | undefined, { digest: Digest; inputs: EnvSignatureInputs }>()
      // Each glob is matched once per tree, against the paths under its literal prefix only.
      let paths: string[] | undefined
      const byGlob = new Map<string, string[]>()
      const matching = (glob: string): string[] => {
        let hit = byGlob.get(glob)
        if (!hit) {
          paths ??= [...files.keys()].sort(compareCodeUnits)
          const prefix = literalPrefix(glob)
          hit = paths.filter((p) => p.startsWith(prefix) && matchesGlob(p, glob))
          byGlob.set(glob, hit)
        }
        return hit
      }
      const matchedPaths = (globs: readonly string[]): string[] =>
        [...new Set(globs.flatMap(matching))].sort(compareCodeUnits)
      const compute = (entry: number | undefined) => {
        let hit = memo.get(entry)
        if (hit) return hit
        const a = ambient.get(entry)
        const container = entry === undefined ? null : (config.containers[entry]?.image ?? null)
        const inputs: EnvSignatureInputs = { algorithm: DIGEST_ALGORITHM, container }
        if (a) {
          const matched: Record<string, string> = {}
          for (const p of matchedPaths(a.files)) matched[p] = files.get(p)!
          inputs.environment = { image: a.image, env: a.env, files: matched, command: a.command }
        }
        hit = { digest: envSignatureDigest(inputs), inputs }
        memo.set(entry, hit)
        return hit
      }
      return {
        signatureOf: (entry) => compute(entry).digest,
        all: () => {
          const out = new Map<Digest, EnvSignatureInputs>()
          for (const s of slots) {
            const { digest, inputs } = compute(s.index)
            out.set(digest, inputs)
          }
          return out
        },
      }
    },
  }
}

/** The global declaration merged with container entry `i`'s (undefined: neither declares one). */
function declaredOf(config: Config, i: number | undefined): { declared?: Declared } {
  const g = config.environment
  const c = i === undefined ? undefined : config.containers[i]?.environment
  if (!g && !c) return {}
  const at = c ? `containers.${i}.environment` : 'environment'
  const union = (x: string[] = [], y: string[] = []) => [...new Set([...x, ...y])]
  const commandOf = (e: typeof g) => (Array.isArray(e?.command) ? e.command : undefined)
  const command = commandOf(c) ?? commandOf(g)
  const timeout = c?.commandTimeout ?? g?.commandTimeout
  const env = union(g?.env, c?.env)
  return {
    declared: {
      at,
      env,
      optionalEnv: union(g?.optionalEnv, c?.optionalEnv).filter((n) => !env.includes(n)),
      files: union(g?.files, c?.files),
      command,
      commandAt:
        c?.command !== undefined ? `containers.${i}.environment.command` : 'environment.command',
      timeoutMs: (timeout !== undefined ? parseDuration(timeout) : undefined) ?? DEFAULT_TIMEOUT_MS,
      image: c?.image ?? g?.image ?? false,
      imageAt: c?.image !== undefined ? `containers.${i}.environment.image` : 'environment.image',
    },
  }
}

/** Run `argv` without a shell; its stdout, or a one-line UserError (exit status, timeout, spawn). */
function runCommand(
  argv: readonly string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; place: string },
): Promise<string> {
  const shown = argv.join(' ')
  const fail = (message: string) =>
    new UserError('environment', o.place, `signature command ${shown} ${message}`)
  return new Promise((resolve, reject) => {
    // Its own process group: a timeout kills whatever it started too (they hold its pipes).
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: o.cwd,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const out: Buffer[] = []
    let err = ''
    let timedOut = false
    let settled = false
    const settle = (f: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      f()
    }
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }, o.timeoutMs)
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 2000) err += b.toString('utf8')
    })
    child.on('error', (e) => settle(() => reject(fail(`cannot run: ${oneLine(e)}`))))
    child.on('exit', (code, signal) => {
      if (timedOut)
        return settle(() => reject(fail(`timed out after ${formatMs(o.timeoutMs)} (killed)`)))
      if (code !== 0) {
        const why = code !== null ? `exit status ${code}` : `killed by ${signal}`
        const detail = err.trim().split('\n').pop()?.slice(0, 200)
        return settle(() => reject(fail(`failed (${why})${detail ? `: ${detail}` : ''}`)))
      }
      // Exited: read what is left of its stdout (unless something it started keeps it open).
      const done = () => settle(() => resolve(Buffer.concat(out).toString('utf8')))
      if (child.stdout.readableEnded) done()
      else {
        child.stdout.once('end', done)
        setTimeout(done, 1000).unref()
      }
    })
  })
}

/** The part of a glob before its first wildcard (`containers/` of `containers/*.Containerfile`). */
function literalPrefix(glob: string): string {
  const i = glob.search(/[*?[{\\!]/)
  return i < 0 ? glob : glob.slice(0, i)
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

function oneLine(e: unknown): string {
  const m = e instanceof UserError ? e.oneLine() : e instanceof Error ? e.message : String(e)
  return m.replace(/\s*\n\s*/g, ' ')
}
