import { KumaError } from '../core/errors.js';

/** One problem with a configuration: where (YAML path, `''` for the file itself) and what. */
export interface Violation {
  readonly path: string;
  readonly message: string;
}

export type ConfigStage = 'file' | 'yaml' | 'env' | 'validation';

/**
 * A configuration that cannot be used. `message` is the whole Kuma-shaped text (what kuma-cp prints);
 * `violations` lists every problem found at the failing stage, not just the first.
 */
export class ConfigError extends KumaError {
  readonly violations: readonly Violation[];
  readonly stage: ConfigStage;

  constructor(stage: ConfigStage, message: string, violations: readonly Violation[]) {
    super('ERR_CONFIG_INVALID', message);
    this.stage = stage;
    this.violations = violations;
  }
}
