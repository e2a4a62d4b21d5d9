import { KumaError } from '../core/errors.js';

/** Stable codes for what `kumactl install control-plane` refuses. */
export type InstallErrorCode =
  /** A value breaks one of the chart's rules (Kuma's template `fail` texts). */
  | 'ERR_INSTALL_INVALID_VALUE'
  /** A `--set` expression that cannot be parsed. */
  | 'ERR_INSTALL_SET_SYNTAX'
  /** A `--values` file that is not a YAML mapping. */
  | 'ERR_INSTALL_VALUES_FILE'
  /** A value that asks for something kuma-ts does not render (CNI, zone proxies, cert-manager...). */
  | 'ERR_INSTALL_UNSUPPORTED';

export class InstallError extends KumaError {
  declare readonly code: InstallErrorCode;

  constructor(code: InstallErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
