#!/usr/bin/env node
// The import-direction rule of DESIGN.md §2, checked on the TypeScript sources:
//   core <- store <- managers <- {api-server, dp-server, kds, xds} <- runtime <- cli
// with pki, tls, tokens, config, net (listening sockets) beside core. Only runtime (and cli, tests) may pick a store backend,
// so nothing else imports store/postgres. Exits 1 listing every violation.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

const base = ['core', 'gen'];
const beside = [...base, 'config', 'pki', 'tls', 'tokens', 'net'];
const servers = [...beside, 'store', 'managers', 'xds'];
const allowed = {
  core: ['gen'],
  gen: [],
  config: [...base],
  net: [...base],
  pki: [...base],
  tokens: [...base, 'pki'],
  tls: [...base, 'pki', 'config'],
  store: [...beside],
  managers: [...beside, 'store'],
  xds: [...beside, 'store', 'managers'],
  'api-server': servers,
  'dp-server': servers,
  kds: servers,
  proxy: [...beside],
  install: [...base, 'config', 'pki'],
  runtime: [...servers, 'api-server', 'dp-server', 'kds', 'proxy'],
  cli: [...servers, 'api-server', 'dp-server', 'kds', 'proxy', 'runtime', 'install'],
};
const mayPickBackend = new Set(['store', 'runtime', 'cli']);

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const importRe = /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
const problems = [];
for (const file of walk(src)) {
  const rel = relative(src, file);
  const ctx = rel.split(sep)[0];
  const isTest = rel.endsWith('.test.ts');
  if (!(ctx in allowed)) {
    problems.push(`${rel}: folder '${ctx}' is not a known context (add it to scripts/check-imports.mjs and DESIGN.md)`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec || !spec.startsWith('.')) continue;
    const target = relative(src, resolve(dirname(file), spec));
    if (target.startsWith('..')) {
      if (!isTest) problems.push(`${rel}: imports '${spec}' from outside src/`);
      continue;
    }
    const tctx = target.split(sep)[0];
    if (tctx !== ctx && !allowed[ctx].includes(tctx) && !isTest) {
      problems.push(`${rel}: ${ctx} may not import ${tctx} ('${spec}')`);
    }
    if (target.startsWith(`store${sep}postgres`) && !mayPickBackend.has(ctx) && !isTest) {
      problems.push(`${rel}: only runtime picks a store backend; do not import '${spec}'`);
    }
  }
}
if (problems.length > 0) {
  process.stderr.write(`import-direction rule (DESIGN.md §2) violated:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write('lint: import direction ok\n');
