/**
 * The vocabulary of config schemas: a tree of field descriptors from which everything else is derived
 * (the TypeScript type, defaults, env-var table, strict YAML reading, redaction, the defaults YAML).
 * A schema says, once, for every setting: its YAML key (the property name), type, default, env var
 * and a one-line doc.
 */

import { parseGoDuration } from '../core/duration.js';

interface Documented {
  /** One or more lines for the defaults YAML (no leading `#`). */
  readonly doc: string;
}

interface Leaf extends Documented {
  /** The environment variable that overrides this field, or undefined when it is YAML-only. */
  readonly env: string | undefined;
}

export interface StringField extends Leaf {
  readonly kind: 'string';
  readonly default: string;
  /** Secrets print as `*****` (redaction) and never appear in error messages. */
  readonly secret: boolean;
}

export interface IntField extends Leaf {
  readonly kind: 'int';
  readonly default: number;
  /** Go's uint types: negative values are a type error, not a validation error. */
  readonly unsigned: boolean;
}

export interface BoolField extends Leaf {
  readonly kind: 'bool';
  readonly default: boolean;
}

/** Stored as milliseconds; written in Go syntax (`10s`). */
export interface DurationField extends Leaf {
  readonly kind: 'duration';
  readonly default: number;
}

export interface ListField extends Leaf {
  readonly kind: 'list';
  readonly default: readonly string[];
}

export interface MapField extends Leaf {
  readonly kind: 'map';
  readonly default: Readonly<Record<string, string>>;
}

/** A token-validator public key (Kuma's `{kid, key | keyFile}`; dataplane ones also carry `mesh`). */
export interface PublicKey {
  kid: string;
  key: string;
  keyFile: string;
}

export interface MeshedPublicKey extends PublicKey {
  mesh: string;
}

/** A YAML-only list of public keys; always defaults to `[]`. */
export interface PublicKeysField<M extends boolean = boolean> extends Documented {
  readonly kind: 'publicKeys';
  readonly env: undefined;
  readonly meshed: M;
  readonly default: readonly [];
}

export type Field = StringField | IntField | BoolField | DurationField | ListField | MapField | PublicKeysField;

/**
 * A key Kuma knows but this product does not implement: accepted in YAML (so a Kuma config file
 * loads) and ignored with a debug note, instead of being rejected as unknown.
 */
export interface IgnoredNode extends Documented {
  readonly kind: 'ignored';
}

export interface Section<F extends Fields = Fields> extends Documented {
  readonly kind: 'section';
  readonly fields: F;
}

export type SchemaNode = Field | IgnoredNode | Section;
export interface Fields {
  readonly [key: string]: SchemaNode;
}

/** The config object type a schema node describes (ignored keys have no property). */
export type ValueOf<N> =
  N extends Section<infer F>
    ? { -readonly [K in keyof F as F[K] extends IgnoredNode ? never : K]: ValueOf<F[K]> }
    : N extends StringField
      ? string
      : N extends IntField | DurationField
        ? number
        : N extends BoolField
          ? boolean
          : N extends ListField
            ? string[]
            : N extends MapField
              ? Record<string, string>
              : N extends PublicKeysField<infer M>
                ? M extends true
                  ? MeshedPublicKey[]
                  : PublicKey[]
                : never;

export const str = (def: string, env: string | undefined, doc: string): StringField => ({
  kind: 'string',
  default: def,
  env,
  doc,
  secret: false,
});

export const secret = (def: string, env: string, doc: string): StringField => ({
  kind: 'string',
  default: def,
  env,
  doc,
  secret: true,
});

export const int = (def: number, env: string | undefined, doc: string): IntField => ({
  kind: 'int',
  default: def,
  env,
  doc,
  unsigned: false,
});

export const uint = (def: number, env: string | undefined, doc: string): IntField => ({
  kind: 'int',
  default: def,
  env,
  doc,
  unsigned: true,
});

export const bool = (def: boolean, env: string | undefined, doc: string): BoolField => ({
  kind: 'bool',
  default: def,
  env,
  doc,
});

/** `def` in Go syntax; a bad literal here is a programming error and throws at module load. */
export const duration = (def: string, env: string | undefined, doc: string): DurationField => ({
  kind: 'duration',
  default: parseGoDuration(def),
  env,
  doc,
});

export const list = (def: readonly string[], env: string | undefined, doc: string): ListField => ({
  kind: 'list',
  default: def,
  env,
  doc,
});

export const map = (def: Readonly<Record<string, string>>, env: string | undefined, doc: string): MapField => ({
  kind: 'map',
  default: def,
  env,
  doc,
});

export const publicKeys = <M extends boolean>(meshed: M, doc: string): PublicKeysField<M> => ({
  kind: 'publicKeys',
  env: undefined,
  meshed,
  default: [],
  doc,
});

export const ignored = (doc: string): IgnoredNode => ({ kind: 'ignored', doc });

export const section = <F extends Fields>(doc: string, fields: F): Section<F> => ({ kind: 'section', doc, fields });

export function isField(n: SchemaNode): n is Field {
  return n.kind !== 'section' && n.kind !== 'ignored';
}

export interface LeafInfo {
  /** YAML path segments, e.g. `['apiServer', 'https', 'port']`. */
  readonly path: readonly string[];
  readonly field: Field;
}

/** Every field of a schema, depth first, in declaration order. */
export function leavesOf(root: Section): LeafInfo[] {
  const out: LeafInfo[] = [];
  const visit = (node: SchemaNode, path: readonly string[]): void => {
    if (node.kind === 'section') {
      for (const [k, child] of Object.entries(node.fields)) visit(child, [...path, k]);
    } else if (node.kind !== 'ignored') {
      out.push({ path, field: node });
    }
  };
  visit(root, []);
  return out;
}

/** Every ignored (known-but-unimplemented) key, as dotted paths. */
export function ignoredPathsOf(root: Section): string[] {
  const out: string[] = [];
  const visit = (node: SchemaNode, path: readonly string[]): void => {
    if (node.kind === 'section') {
      for (const [k, child] of Object.entries(node.fields)) visit(child, [...path, k]);
    } else if (node.kind === 'ignored') {
      out.push(path.join('.'));
    }
  };
  visit(root, []);
  return out;
}

function defaultValue(field: Field): unknown {
  switch (field.kind) {
    case 'list':
      return [...field.default];
    case 'map':
      return { ...field.default };
    case 'publicKeys':
      return [];
    default:
      return field.default;
  }
}

/** A fresh (deep) copy of the defaults a schema describes. */
export function defaultsOf<S extends Section>(root: S): ValueOf<S> {
  const build = (node: Section): Record<string, unknown> => {
    const obj: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(node.fields)) {
      if (child.kind === 'section') obj[k] = build(child);
      else if (child.kind !== 'ignored') obj[k] = defaultValue(child);
    }
    return obj;
  };
  return build(root) as ValueOf<S>;
}

/** Reads the value at `path` of a config object built from a schema. */
export function getAt(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Writes the value at `path`; the sections on the way must exist (they always do in a config). */
export function setAt(obj: unknown, path: readonly string[], value: unknown): void {
  const parent = getAt(obj, path.slice(0, -1));
  const last = path[path.length - 1];
  if (typeof parent !== 'object' || parent === null || last === undefined) {
    throw new Error(`no section at ${path.slice(0, -1).join('.')}`);
  }
  (parent as Record<string, unknown>)[last] = value;
}
