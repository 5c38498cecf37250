#!/usr/bin/env node
// Checks that every .py file under a directory parses (python3's `ast.parse`), in one python3
// process. Used to validate bench/generate-spack-repo.mjs output:
//
//   node bench/validate-python.mjs DIR
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

const CHECK = `
import ast, os, sys
root = sys.argv[1]
n = bad = 0
for d, dirs, files in os.walk(root):
    dirs[:] = [x for x in dirs if x != ".git"]
    for f in files:
        if not f.endswith(".py"):
            continue
        n += 1
        p = os.path.join(d, f)
        try:
            with open(p, encoding="utf-8") as fh:
                ast.parse(fh.read(), p)
        except (SyntaxError, UnicodeDecodeError) as e:
            bad += 1
            if bad <= 20:
                print(f"{p}: {e}")
print(f"{n} python files, {bad} invalid")
sys.exit(1 if bad or n == 0 else 0)
`

const dir = process.argv[2]
if (!dir) {
  console.error('Usage: node bench/validate-python.mjs DIR')
  process.exit(2)
}
const r = spawnSync('python3', ['-c', CHECK, resolve(dir)], { stdio: 'inherit' })
if (r.error) {
  console.error(`validate-python: cannot run python3: ${r.error.message}`)
  process.exit(2)
}
process.exit(r.status ?? 1)
