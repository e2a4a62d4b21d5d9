/**
 * The reference of bench/dp-server-load.ts: a bare node:tls server (same certificate as the DP
 * server) in its own process, so that it gets a core of its own like kuma-cp does. It completes the
 * handshake and closes; prints `{"port":N}` on stdout once listening.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';

const [certFile, keyFile] = process.argv.slice(2);
if (certFile === undefined || keyFile === undefined) {
  process.stderr.write('dp-load-tls-server is the child process of dp-server-load: run `npm run bench -- dp-server-load`\n');
  process.exit(2);
}
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (s) => {
  s.on('error', () => {});
  s.end();
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
