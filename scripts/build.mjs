// Bundles the Action (dist/index.js), its record sub-action (dist/record.js) and the CLI
// (dist/cli.js) with esbuild, ESM for Node 24, and regenerates schema/binary-check.schema.json
// from the zod config schema.
// `node scripts/build.mjs [OUTDIR]` builds into OUTDIR instead of the repository (check-dist uses it).
import { build } from 'esbuild'
import { mkdir, writeFile, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const out = resolve(process.argv[2] ?? root)

// A hash of every source file, stamped into the bundles: caches are keyed by it (src/engine/build-id.ts).
async function sourceHash(dir) {
  const { createHash } = await import('node:crypto')
  const { readdir, readFile } = await import('node:fs/promises')
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
  const h = createHash('sha256')
  for (const f of files)
    h.update(`${f.slice(dir.length)}\0`)
      .update(await readFile(f))
      .update('\0')
  return h.digest('hex').slice(0, 16)
}
const buildId = await sourceHash(join(root, 'src'))

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  legalComments: 'none',
  logLevel: 'warning',
  define: { __BINARY_CHECK_BUILD__: JSON.stringify(buildId) },
  // CommonJS dependencies inside an ESM bundle need `require`.
  banner: {
    js: "import { createRequire as __bcRequire } from 'node:module'; const require = __bcRequire(import.meta.url);",
  },
}

await mkdir(join(out, 'dist'), { recursive: true })
await build({
  ...common,
  entryPoints: [join(root, 'src/action/index.ts')],
  outfile: join(out, 'dist/index.js'),
})
// The `record` sub-action (record/action.yml runs ../dist/record.js).
await build({
  ...common,
  entryPoints: [join(root, 'src/action/record-index.ts')],
  outfile: join(out, 'dist/record.js'),
})
await build({
  ...common,
  entryPoints: [join(root, 'src/cli/index.ts')],
  outfile: join(out, 'dist/cli.js'),
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
})

// JSON Schema of the config, generated from the zod schema.
const tmp = join(out, '.schema-build.mjs')
await build({
  ...common,
  entryPoints: [join(root, 'src/config/json-schema.ts')],
  outfile: tmp,
  banner: {},
})
const { configJsonSchema } = await import(pathToFileURL(tmp).href)
await rm(tmp)
await mkdir(join(out, 'schema'), { recursive: true })
await writeFile(
  join(out, 'schema/binary-check.schema.json'),
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
)
