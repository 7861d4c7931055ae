// Runs the Relay compiler (relay.config.json: relay/src against ../schema.graphql), starting
// from an empty persisted-query manifest, which it fills: SHA-256 -> document text, the
// trusted documents manifest the gateway loads (TRUSTED_DOCUMENTS).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const clients = join(dirname(fileURLToPath(import.meta.url)), '..');
const generated = join(clients, 'relay', '__generated__');
rmSync(generated, { recursive: true, force: true });
mkdirSync(generated, { recursive: true });
writeFileSync(join(generated, 'persisted_queries.json'), '{}\n');
const compiler = createRequire(import.meta.url).resolve('relay-compiler/cli.js');
execFileSync(process.execPath, [compiler], { cwd: clients, stdio: ['ignore', 'inherit', 'inherit'] });
