import { runCli } from './main.js'

const code = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  progress: process.stderr.isTTY === true,
})
process.exitCode = code
