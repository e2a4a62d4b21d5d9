/**
 * Child processes of bench/proxy-mtls.ts, one role each so no two share a core's event loop:
 *   echo <port?>                      the application both proxy pairs front (echoes every byte)
 *   inbound <dir> <echoPort>          our inbound (STRICT, mesh mTLS, one allow rule) as kuma-dp would run it
 *   outbound <dir> <inboundPort>      our outbound (mesh mTLS, exact SAN check) to that inbound
 * Each prints {"port":N} on stdout when listening, answers `cpu` on stdin with its CPU time, and exits
 * when stdin closes.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InboundListener, OutboundListener, ProxyIdentity } from '../src/proxy/mtls/index.js';

function serveControl(port: number): void {
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (l) => {
    if (l === 'cpu') {
      const u = process.cpuUsage();
      process.stdout.write(`${JSON.stringify({ cpuUs: u.user + u.system })}\n`);
    }
  });
  lines.on('close', () => process.exit(0));
}

async function identity(dir: string, name: string): Promise<ProxyIdentity> {
  const [cert, key, ca] = await Promise.all([readFile(join(dir, `${name}.crt`), 'utf8'), readFile(join(dir, `${name}.key`), 'utf8'), readFile(join(dir, 'ca.crt'), 'utf8')]);
  return new ProxyIdentity({ mesh: 'default', certChainPem: cert, privateKey: key, trustedRootsPem: [ca] });
}

const [role, a, b] = process.argv.slice(2);
if (role === 'echo') {
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  server.listen(Number(a ?? 0), '127.0.0.1', () => serveControl((server.address() as AddressInfo).port));
} else if (role === 'inbound') {
  const allowed = new Set(['spiffe://default/web']);
  const l = await InboundListener.start(
    {
      address: '127.0.0.1',
      port: 0,
      servicePort: Number(b),
      mode: 'STRICT',
      // What the control plane would compile from "allow web": one set lookup per connection.
      authorize: (r) => (r.spiffeIds.some((id) => allowed.has(id)) ? { action: 'allow', shadowDeny: false } : { action: 'deny', shadowDeny: false, rule: 'deny-all' }),
    },
    { identity: await identity(a ?? '.', 'backend') },
  );
  serveControl(l.port);
} else if (role === 'outbound') {
  const l = await OutboundListener.start({ port: 0, service: 'backend', mtls: true, endpoints: [{ address: '127.0.0.1', port: Number(b) }] }, { identity: await identity(a ?? '.', 'web') });
  serveControl(l.port);
} else {
  process.stderr.write('usage: _proxy-mtls-roles.js echo|inbound|outbound ...\n');
  process.exit(2);
}
