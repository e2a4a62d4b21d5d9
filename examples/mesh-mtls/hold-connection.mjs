#!/usr/bin/env node
// Holds ONE keep-alive HTTP connection to 127.0.0.1:<port> and sends a request on it every 300 ms,
// to show what happens to an open connection when the mesh changes (no dependencies).
//
//   node hold-connection.mjs <port> <seconds>
//
// Prints a line per response, then a last line that is either
//   CLOSED after <n> responses (<s> s)   the connection was closed under us (e.g. a new Deny)
//   OPEN after <n> responses (<s> s)     still open when <seconds> ran out or on SIGTERM/SIGINT
// and "<k> non-200 responses" when some answers were not 200.
import { connect } from 'node:net';

const [portText, secondsText] = process.argv.slice(2);
const port = Number(portText);
const seconds = Number(secondsText ?? '30');
if (!Number.isInteger(port) || port < 1 || port > 65535 || !(seconds > 0)) {
  process.stderr.write('usage: node hold-connection.mjs <port> <seconds>\n');
  process.exit(2);
}

const started = Date.now();
let buffered = '';
let ok = 0;
let bad = 0;
let finished = false;

function finish(state) {
  if (finished) return;
  finished = true;
  clearInterval(ticker);
  const elapsed = ((Date.now() - started) / 1000).toFixed(1);
  if (bad > 0) process.stdout.write(`${bad} non-200 responses\n`);
  process.stdout.write(`${state} after ${ok} responses (${elapsed} s)\n`);
  socket.destroy();
  process.exit(0);
}

const socket = connect({ host: '127.0.0.1', port });
socket.setEncoding('latin1');
socket.on('error', (err) => {
  process.stdout.write(`connection error: ${err.message}\n`);
});
socket.on('close', () => finish('CLOSED'));
socket.on('data', (chunk) => {
  buffered += chunk;
  // Count complete responses: status line, headers, then content-length bytes of body.
  for (;;) {
    const head = buffered.indexOf('\r\n\r\n');
    if (head < 0) return;
    const headers = buffered.slice(0, head);
    const length = Number(/content-length:\s*(\d+)/i.exec(headers)?.[1] ?? '0');
    if (buffered.length < head + 4 + length) return;
    const status = /^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? '???';
    const body = buffered.slice(head + 4, head + 4 + length);
    buffered = buffered.slice(head + 4 + length);
    const from = /"name":\s*"([^"]*)"/.exec(body)?.[1] ?? '?';
    if (status === '200') ok++;
    else bad++;
    process.stdout.write(`response ${ok + bad}: ${status} from ${from}\n`);
  }
});

const ticker = setInterval(() => {
  if (!socket.destroyed && socket.writable) socket.write(`GET /held HTTP/1.1\r\nHost: backend\r\nConnection: keep-alive\r\n\r\n`);
}, 300);
socket.once('connect', () => socket.write(`GET /held HTTP/1.1\r\nHost: backend\r\nConnection: keep-alive\r\n\r\n`));

setTimeout(() => finish('OPEN'), seconds * 1000).unref();
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => finish('OPEN'));
