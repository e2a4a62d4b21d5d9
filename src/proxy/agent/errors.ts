import { KumaError } from '../../core/errors.js';

/**
 * A problem that stops kuma-dp (exit code 1): the message says what is wrong and what to change.
 * Never carries the token itself.
 */
export class AgentError extends KumaError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
