/**
 * The config split at the trust boundary. The **plan** fields (specs, recipes, ignore, deptypes,
 * containers' `when` and image names, environment files …) may come from the head commit; the
 * **execution-bearing** ones — what runs a program, reads this process's environment or picks a
 * host to contact — come from the trusted config only:
 *
 *  - `mirror`;
 *  - `environment.command`, `.commandTimeout`, `.env`, `.optionalEnv`, `.image`, globally and
 *    per `containers` entry (an entry takes them from the trusted entry with the same image);
 *  - image resolution itself: a head container whose image is on a registry that no trusted
 *    container names is not resolved (its name still enters the signature).
 *
 * Pure: both configs are already read.
 */
import type { BuildEnvironmentConfig, Config } from '../config/config-schema.js'
import { parseImageReference } from '../mirror/oci/reference.js'

export interface TrustedMerge {
  config: Config
  /** One line per execution-bearing field the head changed: `ignored: mirror changed by …`. */
  ignored: string[]
}

/** The execution-bearing fields of a build environment. */
const EXECUTION_FIELDS = ['command', 'commandTimeout', 'env', 'optionalEnv', 'image'] as const

/**
 * `head`'s plan with `trusted`'s execution-bearing fields (`trusted` undefined: there is no
 * trusted config, so none of them are used).
 */
export function withTrustedExecution(head: Config, trusted: Config | undefined): TrustedMerge {
  const ignored: string[] = []
  const changed = (field: string, h: unknown, t: unknown) => {
    if (JSON.stringify(h ?? null) !== JSON.stringify(t ?? null))
      ignored.push(`ignored: ${field} changed by the head commit`)
  }
  changed('mirror', head.mirror, trusted?.mirror)

  const environment = mergeEnvironment(
    head.environment,
    trusted?.environment,
    'environment',
    changed,
  )
  const trustedContainers = trusted?.containers ?? []
  const used = new Set<number>()
  const trustedHosts = new Set(
    trustedContainers.map((c) => registryOf(c.image)).filter((h) => h !== undefined),
  )
  const containers = head.containers.map((c, i) => {
    // The trusted entry with the same image, else the one at the same place with the same `when`
    // (a head that bumps an image tag keeps its entry's settings).
    let j = trustedContainers.findIndex((t, k) => !used.has(k) && t.image === c.image)
    if (j < 0 && !used.has(i) && trustedContainers[i]?.when === c.when) j = i
    if (j >= 0) used.add(j)
    const match = j >= 0 ? trustedContainers[j] : undefined
    let env = mergeEnvironment(
      c.environment,
      match?.environment,
      `containers.${i}.environment`,
      changed,
    )
    const resolves = env?.image ?? environment?.image ?? false
    const host = registryOf(c.image)
    if (resolves && match?.image !== c.image && (host === undefined || !trustedHosts.has(host))) {
      ignored.push(
        `ignored: containers.${i}.image ${JSON.stringify(c.image)} is on ${host ?? 'a registry'} that the trusted config names for no container: its digest is not resolved`,
      )
      env = { ...(env ?? { env: [], optionalEnv: [], files: [] }), image: false }
    }
    const { environment: _own, ...rest } = c
    return { ...rest, ...(env ? { environment: env } : {}) }
  })
  const { environment: _head, mirror: _mirror, ...plan } = head
  return {
    config: {
      ...plan,
      containers,
      ...(environment ? { environment } : {}),
      ...(trusted?.mirror !== undefined ? { mirror: trusted.mirror } : {}),
    },
    ignored,
  }
}

/** The head's environment files with the trusted execution-bearing fields. */
function mergeEnvironment(
  head: BuildEnvironmentConfig | undefined,
  trusted: BuildEnvironmentConfig | undefined,
  at: string,
  changed: (field: string, h: unknown, t: unknown) => void,
): BuildEnvironmentConfig | undefined {
  for (const f of EXECUTION_FIELDS) {
    const h = head?.[f]
    const t = trusted?.[f]
    // An empty list is the same as none.
    const none = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0)
    if (!(none(h) && none(t))) changed(`${at}.${f}`, h, t)
  }
  const executes =
    trusted !== undefined &&
    (trusted.env.length > 0 ||
      trusted.optionalEnv.length > 0 ||
      trusted.command !== undefined ||
      trusted.image !== undefined)
  if (!head && !executes) return undefined
  return {
    files: head?.files ?? [],
    env: trusted?.env ?? [],
    optionalEnv: trusted?.optionalEnv ?? [],
    ...(trusted?.command !== undefined ? { command: trusted.command } : {}),
    ...(trusted?.commandTimeout !== undefined ? { commandTimeout: trusted.commandTimeout } : {}),
    ...(trusted?.image !== undefined ? { image: trusted.image } : {}),
  }
}

/** The registry host of an image reference, lower-cased; undefined when it does not parse. */
function registryOf(image: string): string | undefined {
  try {
    return parseImageReference(image, true).registry.toLowerCase()
  } catch {
    return undefined
  }
}
