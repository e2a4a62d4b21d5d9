import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import { startTestApi, testSigningKey, type TestApi } from '../../../api-server/testing/harness.js';
import { runKumactl, withHome } from '../testing/run-kumactl.js';

// kumactl against our real API server (its in-process app on a real HTTP listener on port 0).
describe('kumactl end to end against src/api-server', () => {
  let t: TestApi;
  let server: Server;
  let url = '';
  before(async () => {
    t = await startTestApi();
    server = createServer(t.api.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
  });

  it('add (with a user token) → apply → get → delete → user-token', async () => {
    await withHome(async (home) => {
      const token = await t.userToken('mesh-system:admin', ['mesh-system:admin']);
      const add = await runKumactl({ home }, 'config', 'control-planes', 'add', '--name', 'cp', '--address', url, '--auth-type=tokens', '--auth-conf', `token=${token}`);
      assert.equal(add.code, 0, add.stderr);
      assert.match(add.stdout, /^authenticated as "mesh-system:admin"/);

      const bad = await runKumactl({ home }, 'config', 'control-planes', 'add', '--name', 'cp2', '--address', url, '--auth-type=tokens', '--auth-conf', 'token=not.a.token');
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /rejected the token given with --auth-conf/);

      const apply = await runKumactl({ home, stdin: 'type: Mesh\nname: demo\n' }, 'apply', '-f', '-');
      assert.equal(apply.code, 0, apply.stderr);
      assert.equal(apply.stdout, 'resource type="Mesh" mesh="" name="demo" Created\n');

      const get = await runKumactl({ home }, 'get', 'meshes');
      assert.equal(get.code, 0, get.stderr);
      assert.equal(get.stdout, 'NAME      mTLS   LOCALITY   ZONEEGRESS   AGE\ndefault   off    off        off          292y\ndemo      off    off        off          292y\n');

      const invalid = await runKumactl({ home, stdin: 'type: Dataplane\nname: dp\nmesh: nope\nnetworking: {address: 1.1.1.1}\n' }, 'apply', '-f', '-');
      assert.equal(invalid.code, 1);
      assert.match(invalid.stderr, /^Error: resource type="Dataplane" mesh="nope" name="dp": failed server side: /);

      const del = await runKumactl({ home }, 'delete', 'mesh', 'demo');
      assert.equal(del.code, 0, del.stderr);
      assert.equal(del.stdout, 'deleted Mesh "demo"\n');
      assert.equal((await runKumactl({ home }, 'get', 'mesh', 'demo')).stderr, 'Error: No resources found\n');

      const ut = await runKumactl({ home }, 'generate', 'user-token', '--name', 'bob', '--valid-for', '1h');
      assert.equal(ut.code, 0, ut.stderr);
      assert.match(ut.stdout, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    });
  });

  it('generate zone-token: issued by the control plane with its zone-token signing key', async () => {
    await withHome(async (home) => {
      const token = await t.userToken('mesh-system:admin', ['mesh-system:admin']);
      const add = await runKumactl({ home }, 'config', 'control-planes', 'add', '--name', 'cp', '--address', url, '--auth-type=tokens', '--auth-conf', `token=${token}`);
      assert.equal(add.code, 0, add.stderr);
      const r = await runKumactl({ home }, 'generate', 'zone-token', '--zone', 'zone-1', '--scope', 'cp', '--valid-for', '1h');
      assert.equal(r.code, 0, r.stderr);
      const publicKey = createPublicKey(createPrivateKey(Buffer.from(await testSigningKey())));
      const { payload, protectedHeader } = await jwtVerify(r.stdout, publicKey, { algorithms: ['RS256'] });
      assert.equal(protectedHeader.kid, '1');
      assert.equal(payload['Zone'], 'zone-1');
      assert.deepEqual(payload['Scope'], ['cp']);
    });
  });
});
