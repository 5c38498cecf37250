// A build job recording one spec into a mirror, as a separate process (the concurrency test
// spawns many). Usage:
//   node record-worker.mjs <bundled mirror module .mjs> <mirror dir> <spec id> <digest> <artifact path>
// Prints the recorded entry as JSON.
import { pathToFileURL } from 'node:url'

const [bundle, mirrorDir, spec, digest, artifactPath] = process.argv.slice(2)
if (!bundle || !mirrorDir || !spec || !digest || !artifactPath) {
  process.stderr.write('usage: record-worker.mjs <bundle> <mirror> <spec> <digest> <artifact>\n')
  process.exit(2)
}
const { openMirror } = await import(pathToFileURL(bundle).href)
const name = spec.split('@')[0]
const version = spec.split('@')[1]?.split(' ')[0] ?? '0'
const entry = await openMirror(mirrorDir).record({
  entry: { spec, package: name, version, digest, builder: `worker ${process.pid}` },
  artifactPath,
  now: new Date('2024-02-01T00:00:00Z'),
})
process.stdout.write(JSON.stringify(entry))
