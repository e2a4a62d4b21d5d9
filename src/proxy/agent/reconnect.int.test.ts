import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../core/log.js';
import { dataplaneTemplate, startFixture } from '../../dp-server/testing/dp-fixture.js';
import { startAgent } from './agent.js';
import { parseDataplaneDefinition } from './dataplane-template.js';

async function eventually(cond: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}

describe('kuma-dp agent reconnects', () => {
  it('after a control plane restart, re-reading the token file each time', async () => {
    const a = await startFixture();
    const port = a.port;
    let b: Awaited<ReturnType<typeof startFixture>> | undefined;
    const tokenFile = join(a.dir, 'dp.token');
    await writeFile(tokenFile, await a.issue({ mesh: 'default', name: 'dp-r' }));
    const agent = startAgent(
      {
        cpAddress: new URL(`https://localhost:${port}`),
        tls: { caPem: a.cert.certPem },
        mesh: 'default',
        name: 'dp-r',
        definition: parseDataplaneDefinition(JSON.stringify(dataplaneTemplate('default', 'dp-r')), 'test'),
        token: { kind: 'file', path: tokenFile },
        drainTimeMs: 0,
        readinessPort: 0,
        retryBackoffMs: 50,
        retryMaxDurationMs: 5000,
        streamBackoff: { baseMs: 50, capMs: 200 },
        tokenGraceMs: 1500,
      },
      silentLogger,
    );
    try {
      await eventually(async () => agent.config() !== undefined);
      await a.server.stop(); // UNAVAILABLE, then connection refused while it is down
      // The signing keys of the fixtures come from one pool, so a token of `a` is valid on `b`.
      await writeFile(tokenFile, `${await a.issue({ mesh: 'default', name: 'dp-r' })}\n`);
      b = await startFixture({ cert: async () => a.cert, configure: (cfg) => (cfg.dpServer.port = port) });
      const fresh = b;
      await eventually(() => fresh.resources.get({ type: 'Dataplane', mesh: 'default', name: 'dp-r' }).then(() => true, () => false));
      const readyRes = await fetch(`http://127.0.0.1:${await agent.readinessPort()}/ready`);
      assert.equal(readyRes.status, 200);
      await readyRes.text();

      // A file caught half-written while it is being rotated is read again until it is whole.
      await writeFile(tokenFile, '');
      await b.server.stop();
      await new Promise((r) => setTimeout(r, 300));
      await b.close();
      await writeFile(tokenFile, await a.issue({ mesh: 'default', name: 'dp-r' }));
      b = await startFixture({ cert: async () => a.cert, configure: (cfg) => (cfg.dpServer.port = port) });
      const third = b;
      await eventually(() => third.resources.get({ type: 'Dataplane', mesh: 'default', name: 'dp-r' }).then(() => true, () => false));

      // A token that stays broken past the grace period stops the agent.
      await writeFile(tokenFile, '');
      const stopped = assert.rejects(agent.done, /dataplane token is invalid, token under file \S+ is empty: .*\(token from file /);
      await b.server.stop();
      await stopped;
    } finally {
      agent.stop();
      await agent.done.catch(() => {});
      await b?.close();
      await a.close();
    }
  });
});
