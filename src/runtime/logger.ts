import { pino, destination, stdTimeFunctions } from 'pino';
import type { Logger } from '../core/log.js';

export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['off', 'error', 'warn', 'info', 'debug'];

/**
 * Structured JSON logs on stdout (synchronous, so nothing is lost when the process exits on an
 * error). Field names that usually carry secrets are censored as a second line of defence: code
 * must not log secrets in the first place.
 */
export function createLogger(level: LogLevel = 'info', dest: number | string = 1): Logger {
  return pino(
    {
      level: level === 'off' ? 'silent' : level,
      base: { pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['password', 'token', 'authorization', '*.password', '*.token', '*.authorization', 'privateKey', '*.privateKey'],
        censor: '*****',
      },
    },
    destination({ dest, sync: true }),
  );
}
