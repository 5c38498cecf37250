// Fails early, with a clear line, when the project's scripts would run on a Node older than 24.
// `npm install` brings Node 24 (the `node` devDependency) into node_modules/.bin, which npm puts
// first on PATH for every script, so `npm test` runs on Node 24 even where the system Node is 20.
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  console.error(
    `binary-check: Node ${process.versions.node} is running the scripts; Node 24 is required. Run 'npm ci' (it installs Node 24 into node_modules/.bin) and use 'npm test' / 'npm run ...'.`,
  )
  process.exit(1)
}
