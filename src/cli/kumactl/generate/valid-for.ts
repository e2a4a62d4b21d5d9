import { CliError } from '../../program.js';

/** `--valid-for` must be set and positive (Kuma's client says this for 0; a negative value is refused too). */
export function checkValidFor(ms: number | undefined): number {
  if (ms === undefined || ms === 0) throw new CliError('You must set a token validFor value');
  if (ms < 0) throw new CliError('--valid-for must be a positive duration');
  return ms;
}
