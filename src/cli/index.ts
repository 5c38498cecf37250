import { analyseRecipe } from '../ecosystems/spack/read-spack-packages.js'
import { isRecipeWorker, runRecipeWorker } from '../ecosystems/spack/parallel-analysis.js'
import { runCli } from './main.js'

if (isRecipeWorker()) {
  runRecipeWorker(analyseRecipe)
} else {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    progress: process.stderr.isTTY === true,
  })
}
