// Copies GraphiQL's browser builds from the pinned npm packages (package-lock.json) into
// app/graphiql/static/vendor/, each package in a folder named <package>@<version> with its
// licence file beside it, and writes vendor/MANIFEST.json (file -> package, source, sha256).
// The gateway serves these files itself: no CDN, and no Node where it is deployed.
// tests/test_graphiql.py checks that every vendored file is byte-for-byte the package's own.
//
//   cd clients && npm ci && npm run vendor-graphiql
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const clients = join(dirname(fileURLToPath(import.meta.url)), '..');
const modules = join(clients, 'node_modules');
const target = join(clients, '..', 'app', 'graphiql', 'static', 'vendor');

// [package, its folder under node_modules, files to serve, licence file]
const PACKAGES = [
  ['react', 'react', ['umd/react.production.min.js'], 'LICENSE'],
  ['react-dom', 'react-dom', ['umd/react-dom.production.min.js'], 'LICENSE'],
  ['graphiql', 'graphiql', ['graphiql.min.js', 'graphiql.min.css'], 'LICENSE'],
  [
    '@graphiql/plugin-explorer',
    '@graphiql/plugin-explorer',
    ['dist/index.umd.js', 'dist/style.css'],
    // The package ships no licence file: it is MIT, of the same GraphiQL monorepo and authors.
    '../../graphiql/LICENSE',
  ],
  [
    // Bundled inside @graphiql/plugin-explorer's UMD build: its licence goes beside it too.
    'graphiql-explorer',
    '@graphiql/plugin-explorer/node_modules/graphiql-explorer',
    [],
    'LICENSE',
  ],
];

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

rmSync(target, { recursive: true, force: true });
const manifest = {};
for (const [name, folder, files, licence] of PACKAGES) {
  const root = join(modules, folder);
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const into = `${name.replace('/', '+')}@${version}`;
  mkdirSync(join(target, into), { recursive: true });
  for (const file of [...files, licence]) {
    const source = join(root, file);
    const served = join(into, file === licence ? 'LICENSE' : file.split('/').pop());
    copyFileSync(source, join(target, served));
    manifest[served] = {
      package: name,
      version,
      source: join(folder, file).replace(/\\/g, '/'),
      sha256: sha256(source),
    };
  }
}
writeFileSync(join(target, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`vendored ${Object.keys(manifest).length} files into ${target}`);
