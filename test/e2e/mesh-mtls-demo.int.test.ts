/**
 * The documented mesh mTLS demo (examples/mesh-mtls/demo.sh) runs green: it checks every step it
 * shows, so the docs' flow cannot rot. All ports are moved to free ones.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../support/processes.js';
import { freePort } from '../support/ports.js';


it('examples/mesh-mtls/demo.sh passes every step', { timeout: 120_000 }, async () => {
  const names = [
    'BACKEND_APP_PORT',
    'BACKEND_PROXY_PORT',
    'BACKEND_READINESS_PORT',
    'WEB_APP_PORT',
    'WEB_PROXY_PORT',
    'WEB_READINESS_PORT',
    'WEB_OUTBOUND_PORT',
    'KUMA_DP_SERVER_PORT',
    'KUMA_API_SERVER_HTTP_PORT',
    'KUMA_API_SERVER_HTTPS_PORT',
    'KUMA_DIAGNOSTICS_SERVER_PORT',
  ];
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root' };
  for (const n of names) env[n] = String(await freePort());
  const child = spawn('bash', [join(repoRoot, 'examples', 'mesh-mtls', 'demo.sh')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0, out.slice(-6000));
  assert.doesNotMatch(out, /FAILED/);
});
