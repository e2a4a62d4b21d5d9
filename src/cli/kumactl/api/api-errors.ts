import { KumaError } from '../../../core/errors.js';

/** One entry of `invalid_parameters` (or the deprecated `causes`, normalised). */
export interface InvalidParameter {
  field: string;
  reason: string;
}

/** The API server's `/std-errors` body. */
export interface StdError {
  type: string;
  status: number;
  title: string;
  detail: string;
  invalidParameters: InvalidParameter[];
  /** True when the body carried only the deprecated `causes` list. */
  fromCauses: boolean;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A std-errors body, or undefined when the body is not one (Kuma requires a non-empty title). */
export function parseStdError(body: string): StdError | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObj(json) || text(json['title']) === '') return undefined;
  const params = (list: unknown, reasonKey: string): InvalidParameter[] =>
    Array.isArray(list) ? list.filter(isObj).map((p) => ({ field: text(p['field']), reason: text(p[reasonKey]) })) : [];
  const invalid = params(json['invalid_parameters'], 'reason');
  const causes = params(json['causes'], 'message');
  const useCauses = !Array.isArray(json['invalid_parameters']) && causes.length > 0;
  return {
    type: text(json['type']),
    status: typeof json['status'] === 'number' ? json['status'] : 0,
    title: text(json['title']),
    // `details` is the deprecated twin of `detail`
    detail: text(json['detail']) || text(json['details']),
    invalidParameters: useCauses ? causes : invalid,
    fromCauses: useCauses,
  };
}

/** kumactl's rendering (app/kumactl/pkg/errors/formatter.go): `Title (detail)` then `* field: reason` lines. */
export function formatStdError(e: StdError): string {
  return `${e.title} (${e.detail})` + e.invalidParameters.map((p) => `\n* ${p.field}: ${p.reason}`).join('');
}

/** Go's types.Error.Error(), which `apply` embeds in its one-line message: `Title (detail);field=reason `. */
export function inlineStdError(e: StdError): string {
  return `${e.title} (${e.detail})` + (e.fromCauses ? '' : e.invalidParameters.map((p) => `;${p.field}=${p.reason} `).join(''));
}

/** An error answer from the API server. `message` is kumactl's multi-line rendering. */
export class ApiError extends KumaError {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly stdError: StdError | undefined,
  ) {
    super('ERR_KUMACTL_API', stdError ? formatStdError(stdError) : `(${status}): ${body}`);
  }

  /** The one-line form: Kuma's Error() for std-errors, `(status): body` otherwise. */
  get inline(): string {
    return this.stdError ? inlineStdError(this.stdError) : `(${this.status}): ${this.body}`;
  }
}
