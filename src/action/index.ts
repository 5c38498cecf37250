import { analyseRecipe } from '../ecosystems/spack/read-spack-packages.js'
import { isRecipeWorker, runRecipeWorker } from '../ecosystems/spack/parallel-analysis.js'
import { run } from './main.js'

if (isRecipeWorker()) runRecipeWorker(analyseRecipe)
else await run()
