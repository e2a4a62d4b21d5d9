/**
 * `--set a.b.c=v[,x.y=w]`: Helm's strvals syntax, the parts that matter for a values tree:
 * dotted keys, list indexes (`a[0].b=x`), lists in braces (`a={x,y}`), backslash escapes (`a\.b=1`,
 * `v=1\,2`) and Helm's typing of values (true/false/null, integers without a leading zero;
 * everything else is a string). Not supported: --set-string/--set-file/--set-json (use helm).
 */
import { InstallError } from './errors.js';
import { FORBIDDEN_KEYS, isMap, type Values } from './values.js';

const MAX_INDEX = 65536; // Helm's limit, so `a[99999999]=1` cannot allocate a huge list

/** Applies one `--set` argument to `tree` (in place). Throws InstallError on malformed input. */
export function applySet(tree: Values, expr: string): void {
  new SetParser(expr).parseInto(tree);
}

class SetParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseInto(tree: Values): void {
    while (this.pos < this.text.length) this.key(tree);
  }

  private fail(message: string): never {
    throw new InstallError('ERR_INSTALL_SET_SYNTAX', `failed parsing --set data: ${message} (in "${this.text}"; write key=value, e.g. controlPlane.tls.general.secretName=general-tls-certs)`);
  }

  /** Reads up to (not including) one of `stops`, unescaping `\x`; returns the text and the stop ('' at the end). */
  private until(stops: string): [string, string] {
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++] as string;
      if (c === '\\') {
        if (this.pos < this.text.length) out += this.text[this.pos++];
        continue;
      }
      if (stops.includes(c)) return [out, c];
      out += c;
    }
    return [out, ''];
  }

  private key(into: Values): void {
    const [k, stop] = this.until('.[=,');
    if (k === '' && stop !== '') this.fail(`key is empty before "${stop}"`);
    if (FORBIDDEN_KEYS.has(k)) this.fail(`key ${JSON.stringify(k)} is not allowed`);
    if (stop === '') this.fail(`key ${JSON.stringify(k)} has no value`);
    if (stop === ',') this.fail(`key ${JSON.stringify(k)} has no value (cannot end with ,)`);
    if (stop === '=') {
      const v = this.value();
      // Applied to the merged tree, so null removes the chart's default too, as Helm's coalescing does.
      if (v === null) delete into[k];
      else into[k] = v;
    } else if (stop === '.') {
      const child = isMap(into[k]) ? (into[k] as Values) : {};
      into[k] = child;
      this.key(child);
    } else {
      const list = Array.isArray(into[k]) ? (into[k] as unknown[]) : [];
      into[k] = list;
      this.indexed(list, k);
    }
  }

  private indexed(list: unknown[], name: string): void {
    const [digits, close] = this.until(']');
    if (close !== ']' || !/^\d+$/.test(digits)) this.fail(`key ${JSON.stringify(name)} has a malformed list index "[${digits}"`);
    const i = Number(digits);
    if (i > MAX_INDEX) this.fail(`index ${i} of ${JSON.stringify(name)} is larger than ${MAX_INDEX}`);
    while (list.length <= i) list.push(null);
    const next = this.text[this.pos++];
    if (next === '=') {
      list[i] = this.value();
    } else if (next === '.') {
      const child = isMap(list[i]) ? (list[i] as Values) : {};
      list[i] = child;
      this.key(child);
    } else if (next === '[') {
      const inner = Array.isArray(list[i]) ? (list[i] as unknown[]) : [];
      list[i] = inner;
      this.indexed(inner, name);
    } else {
      this.fail(`key ${JSON.stringify(`${name}[${i}]`)} has no value`);
    }
  }

  /** A value after '=': `{a,b}` is a list; otherwise text up to the next unescaped comma. */
  private value(): unknown {
    if (this.text[this.pos] === '{') {
      this.pos++;
      const items: unknown[] = [];
      for (;;) {
        const [item, stop] = this.until(',}');
        if (stop === '') this.fail('a list value has no closing "}"');
        if (item !== '' || stop === ',') items.push(typed(item));
        if (stop === '}') break;
      }
      const after = this.text[this.pos];
      if (after !== undefined && after !== ',') this.fail(`unexpected "${after}" after a list value`);
      this.pos++;
      return items;
    }
    return typed(this.until(',')[0]);
  }
}

/** Helm's typing of a --set value. */
function typed(text: string): unknown {
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (text === '0') return 0;
  if (/^-?[1-9]\d*$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  return text;
}
