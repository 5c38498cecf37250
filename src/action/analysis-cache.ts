/**
 * Persist the analysis cache directory between workflow runs with @actions/cache. Best effort:
 * when the cache service is not available (local runs, GHES without it) nothing happens.
 */
import * as cache from '@actions/cache'
import * as core from '@actions/core'
import { DIGEST_ALGORITHM } from '../core/canonical-encode.js'
import { BUILD_ID } from '../engine/build-id.js'

const PREFIX = `binary-check-${DIGEST_ALGORITHM.replace(/[^A-Za-z0-9]+/g, '-')}-${BUILD_ID}-`

export async function restoreAnalysisCache(dir: string): Promise<void> {
  if (!cache.isFeatureAvailable()) return
  try {
    const hit = await cache.restoreCache([dir], `${PREFIX}${process.env.GITHUB_SHA ?? 'local'}`, [
      PREFIX,
    ])
    core.info(hit ? `Restored analysis cache ${hit}` : 'No analysis cache yet')
  } catch (e) {
    core.warning(`Could not restore the analysis cache: ${(e as Error).message}`)
  }
}

export async function saveAnalysisCache(dir: string): Promise<void> {
  if (!cache.isFeatureAvailable()) return
  try {
    await cache.saveCache(
      [dir],
      `${PREFIX}${process.env.GITHUB_SHA ?? 'local'}-${process.env.GITHUB_RUN_ID ?? '0'}`,
    )
  } catch (e) {
    core.warning(`Could not save the analysis cache: ${(e as Error).message}`)
  }
}
