/**
 * The registry credentials inputs both actions share (plan and record): read here so the record
 * sub-action's bundle does not pull in the plan action's inputs.
 */
import * as core from '@actions/core'
import { UserError } from '../core/errors.js'
import type { RegistryOptions } from '../mirror/index.js'

/**
 * `registry-username` and `registry-password` (an `oci://` mirror's credentials; both or
 * neither), the password masked in the log at once. Undefined: credentials from the
 * environment (`BINARY_CHECK_REGISTRY_USER`/`_PASSWORD`, ghcr.io's `GITHUB_TOKEN`, …).
 */
export function readRegistryInputs(): RegistryOptions | undefined {
  const username = core.getInput('registry-username')
  const password = core.getInput('registry-password')
  for (const secret of [password, process.env.BINARY_CHECK_REGISTRY_PASSWORD ?? ''])
    if (secret !== '') core.setSecret(secret)
  if (username === '' && password === '') return undefined
  if (username === '' || password === '')
    throw new UserError(
      'input',
      username === '' ? 'registry-username' : 'registry-password',
      'expected registry-username and registry-password together, got only one of them',
    )
  return { credentials: { username, password } }
}
