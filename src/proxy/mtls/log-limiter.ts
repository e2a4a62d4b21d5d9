/**
 * Keeps hostile or broken clients from flooding the log: per kind of event, at most `burst` lines
 * per `intervalMs`; the next line that gets through says how many were suppressed. Counters still
 * count every event.
 */
import type { Logger } from '../../core/log.js';

export class LogLimiter {
  private readonly windows = new Map<string, { start: number; lines: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly burst = 10,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  log(level: 'info' | 'warn', kind: string, fields: Record<string, unknown>, msg: string): void {
    const t = this.now();
    let w = this.windows.get(kind);
    if (!w || t - w.start >= this.intervalMs) {
      const suppressed = w?.suppressed ?? 0;
      w = { start: t, lines: 0, suppressed: 0 };
      this.windows.set(kind, w);
      if (suppressed > 0) fields = { ...fields, suppressedSimilar: suppressed };
    }
    if (w.lines >= this.burst) {
      w.suppressed++;
      return;
    }
    w.lines++;
    this.logger[level](fields, msg);
  }
}
