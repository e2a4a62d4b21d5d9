#!/usr/bin/env node
// npm run bench -- <name> [args]: runs dist/bench/<name>.js; with no name, lists the benchmarks.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...rest] = process.argv.slice(2);
const dir = join(root, 'dist/bench');
const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js') && !f.startsWith('_')).map((f) => f.slice(0, -3)) : [];
if (!name || !names.includes(name)) {
  process.stdout.write(`usage: npm run bench -- <name>\nbenchmarks: ${names.join(', ')}\n`);
  process.exit(name ? 2 : 0);
}
const r = spawnSync(process.execPath, ['--enable-source-maps', join(dir, `${name}.js`), ...rest], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
