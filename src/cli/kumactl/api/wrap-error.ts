import { messageOf } from '../../../core/errors.js';
import { CliError } from '../../program.js';
import { ApiError } from './api-errors.js';

/**
 * Kuma wraps errors with context (`failed to list Mesh: …`) but renders an API error body on its
 * own (errors.Cause): `Title (detail)` plus `* field: reason` lines. Same here.
 */
export function wrapError(context: string, err: unknown): CliError {
  if (err instanceof ApiError && err.stdError) return new CliError(err.message);
  if (err instanceof CliError) return err;
  return new CliError(`${context}: ${err instanceof ApiError ? err.inline : messageOf(err)}`);
}
