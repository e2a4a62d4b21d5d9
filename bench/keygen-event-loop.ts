/**
 * Event-loop responsiveness while RSA keys are generated: p99 of the event-loop delay
 * (perf_hooks.monitorEventLoopDelay, 1 ms resolution) while 20 RSA-2048 keys are generated with
 * our async generateKeyPair, next to the same measurement with the loop idle (the reference).
 * Target: p99 < 20 ms. A few synchronous keygens are shown for contrast.
 */
import { generateKeyPairSync } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPair } from '../src/pki/index.js';
import { printTable, verdict } from './_util.js';

const KEYS = 20;
const TARGET_MS = 20;

interface Delay {
  p50: number;
  p99: number;
  max: number;
  wallMs: number;
}

async function measure(work: () => Promise<unknown>): Promise<Delay> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const start = performance.now();
  await work();
  const wallMs = performance.now() - start;
  h.disable();
  const ms = (ns: number): number => ns / 1e6;
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), wallMs };
}

async function main(): Promise<void> {
  process.stdout.write(`keygen-event-loop: event-loop delay while ${KEYS} RSA-2048 keys are generated\n\n`);
  const busy = await measure(() => Promise.all(Array.from({ length: KEYS }, () => generateKeyPair('rsa'))));
  const idle = await measure(() => sleep(Math.max(1000, Math.min(busy.wallMs, 5000))));
  const sync = await measure(async () => {
    for (let i = 0; i < 3; i++) {
      generateKeyPairSync('rsa', { modulusLength: 2048 });
      await sleep(1);
    }
  });
  const row = (name: string, d: Delay): (string | number)[] => [name, d.p50.toFixed(2), d.p99.toFixed(2), d.max.toFixed(2), Math.round(d.wallMs)];
  printTable([
    ['event loop', 'p50 ms', 'p99 ms', 'max ms', 'window ms'],
    row('idle (reference)', idle),
    row(`${KEYS} × generateKeyPair('rsa') (kuma-ts)`, busy),
    row('3 × generateKeyPairSync (contrast)', sync),
  ]);
  process.stdout.write(`\np99 delay over idle reference: +${(busy.p99 - idle.p99).toFixed(2)} ms\n`);
  verdict(busy.p99 < TARGET_MS, `event-loop delay p99 ${busy.p99.toFixed(2)} ms during ${KEYS} RSA-2048 keygens (target < ${TARGET_MS} ms)`);
}

await main();
