/**
 * Test support: run our launchers (bin/kuma-cp, bin/kumactl, bin/kuma-dp) as real processes and
 * read their JSON log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const binPath = (name: 'kuma-cp' | 'kuma-dp' | 'kumactl'): string => join(repoRoot, 'bin', name);

export interface RunningProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far (non-JSON lines are kept as {msg: line}). */
  logs: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the first log line matching `pred`, rejects after `timeoutMs` or on exit. */
  waitForLog(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function startProcess(name: 'kuma-cp' | 'kuma-dp' | 'kumactl', args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, [binPath(name), ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: env['HOME'] ?? process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { msg: line };
      }
      logs.push(parsed);
      for (const w of [...waiters]) {
        if (w.pred(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  return {
    child,
    logs,
    stderr: () => err,
    exited,
    waitForLog(pred, timeoutMs = 15_000) {
      const hit = logs.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for a log line; stderr: ${err}; logs: ${JSON.stringify(logs.slice(-5))}`)), timeoutMs);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before the expected log line; stderr: ${err}`));
        });
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
