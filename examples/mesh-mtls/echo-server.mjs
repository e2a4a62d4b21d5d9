#!/usr/bin/env node
// A tiny HTTP echo application for the mesh mTLS demo (no dependencies).
//
//   node echo-server.mjs <port> <name>
//
// Listens on 127.0.0.1:<port> (only the local kuma-dp reaches it) and answers every request with
// JSON: its name, the method, the path and the request headers.
import { createServer } from 'node:http';

const [portText, name] = process.argv.slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65535 || !name) {
  process.stderr.write('usage: node echo-server.mjs <port 1-65535> <name>\n');
  process.exit(2);
}

const server = createServer((req, res) => {
  // Drain the body (if any) before answering, so keep-alive clients are not left hanging.
  req.resume();
  req.on('end', () => {
    const body = `${JSON.stringify({ name, method: req.method, path: req.url, headers: req.headers }, null, 2)}\n`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});

server.on('error', (err) => {
  process.stderr.write(`echo-server ${name}: cannot listen on 127.0.0.1:${port}: ${err.message}\n`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`echo-server ${name} listening on 127.0.0.1:${port}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
