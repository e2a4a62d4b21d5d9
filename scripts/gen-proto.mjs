#!/usr/bin/env node
// Regenerates src/gen/ from proto/ with the pinned buf and protoc-gen-es from node_modules, then
// lints the protos. The generated code is committed; run this after changing a .proto file.
import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'node_modules', '.bin');
const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };

for (const args of [['lint'], ['generate']]) {
  const r = spawnSync(join(bin, 'buf'), args, { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`gen-proto: 'buf ${args.join(' ')}' failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
}
process.stdout.write('gen-proto: src/gen is up to date with proto/\n');
