import { KumaError } from '../errors.js';

/** One broken rule, addressed the way Kuma prints it (`networking.inbound[0].port`, `tags["kuma.io/service"]`). */
export interface Violation {
  field: string;
  message: string;
}

/**
 * A field path built like Kuma's PathBuilder, so messages match byte for byte:
 * `field` joins with dots, `index` appends `[i]`, `key` appends `["k"]` (Go %q quoting).
 */
export class FieldPath {
  private constructor(private readonly parts: readonly string[]) {}

  static root(): FieldPath {
    return new FieldPath([]);
  }

  static at(name: string): FieldPath {
    return name === '' ? FieldPath.root() : new FieldPath([name]);
  }

  field(name: string): FieldPath {
    return new FieldPath([...this.parts, this.parts.length > 0 ? `.${name}` : name]);
  }

  index(i: number): FieldPath {
    return new FieldPath([...this.parts, `[${i}]`]);
  }

  key(k: string): FieldPath {
    return new FieldPath([...this.parts, `[${goQuote(k)}]`]);
  }

  toString(): string {
    return this.parts.join('');
  }
}

/** Go's %q for the strings we quote (tag keys, names): JSON escaping is the same for printable text. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Collects violations; `addAt` nests another collector's violations under a path (Kuma's AddErrorAt). */
export class Violations {
  readonly list: Violation[] = [];

  add(path: FieldPath | string, message: string): this {
    this.list.push({ field: path.toString(), message });
    return this;
  }

  /** Nest `inner` under `path`: `a` + `b` → `a.b`, `a` + `[0].b` → `a[0].b`, `a` + `` → `a`. */
  addAt(path: FieldPath | string, inner: Violations | readonly Violation[]): this {
    const prefix = path.toString();
    for (const v of Array.isArray(inner) ? inner : (inner as Violations).list) {
      this.list.push({ field: joinField(prefix, v.field), message: v.message });
    }
    return this;
  }

  get ok(): boolean {
    return this.list.length === 0;
  }
}

export function joinField(prefix: string, field: string): string {
  if (prefix === '') return field;
  if (field === '') return prefix;
  return field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}`;
}

/** Kuma's ValidationError text: `field: message; field: message`. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.field}: ${v.message}`).join('; ');
}

/**
 * A resource that breaks validation rules. The API maps it to 400 "Resource is not valid" with
 * `invalid_parameters` built from `violations`.
 */
export class ResourceValidationError extends KumaError {
  readonly violations: readonly Violation[];

  constructor(violations: readonly Violation[]) {
    super('ERR_RESOURCE_INVALID', formatViolations(violations));
    this.violations = violations;
  }
}

/** Throws ResourceValidationError when there is anything to report. */
export function throwIfInvalid(violations: Violations | readonly Violation[]): void {
  const list = Array.isArray(violations) ? violations : (violations as Violations).list;
  if (list.length > 0) throw new ResourceValidationError([...list]);
}
