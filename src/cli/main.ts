/**
 * The CLI front end: argv → command → exit status. With the Action, the only place that writes to
 * stdout/stderr and chooses exit codes: 0 success, 1 bad input (one line), 2 usage. Each command
 * lives in `commands/`.
 */
import { isUserError } from '../core/errors.js'
import { UsageError, type CliIo, type Command } from './cli-io.js'
import { claimCommand, releaseCommand } from './commands/claim.js'
import { explainCommand } from './commands/explain.js'
import { historyCommand } from './commands/history.js'
import { indexCommand } from './commands/index-command.js'
import { planCommand } from './commands/plan.js'
import { recordCommand } from './commands/record.js'
import { spackHashCommand } from './commands/spack-hash.js'
import { MAIN_HELP } from './usage.js'

export type { CliIo } from './cli-io.js'

const COMMANDS: Readonly<Record<string, Command>> = {
  plan: planCommand,
  explain: explainCommand,
  record: recordCommand,
  index: indexCommand,
  history: historyCommand,
  claim: claimCommand,
  release: releaseCommand,
  'spack-hash': spackHashCommand,
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = argv
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.stdout(MAIN_HELP)
      return command === undefined ? 2 : 0
    }
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined
    if (!run)
      throw new UsageError(`unknown command "${command}" (${Object.keys(COMMANDS).join(', ')})`)
    return await run(rest, io)
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`binary-check: ${e.message}\nRun 'binary-check --help' for usage.\n`)
      return 2
    }
    if (isUserError(e)) {
      io.stderr(`binary-check: ${e.oneLine()}\n`)
      return 1
    }
    throw e
  }
}
