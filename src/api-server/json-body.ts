// JSON in and out the way Kuma's go-restful server does it: responses pretty printed with one-space
// indentation (HTML not escaped), and request syntax errors worded like Go's encoding/json, because
// clients and golden files show those texts.

/** A response body: JSON with one-space indentation, no trailing newline. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 1);
}

/** Go's quoteChar: `'x'`, with `'\''` and `'"'` special-cased, other characters strconv.Quote-escaped. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const q = JSON.stringify(c);
  return `'${q.slice(1, -1)}'`;
}

type Step = 'value' | 'objectKeyOrEnd' | 'objectKey' | 'colon' | 'objectNext' | 'arrayValueOrEnd' | 'arrayNext' | 'end';

/**
 * The error Go's json.Unmarshal reports for malformed `text`, or undefined when the text is valid
 * JSON. Used only after JSON.parse failed, to word the 400 like Kuma does.
 */
export function goJsonSyntaxError(text: string): string | undefined {
  const stack: ('object' | 'array')[] = [];
  let step = 'value' as Step;
  let i = 0;
  const n = text.length;
  const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  const bad = (c: string, context: string): string => `invalid character ${quoteChar(c)} ${context}`;
  const afterValue = (): void => {
    const top = stack[stack.length - 1];
    step = top === 'object' ? 'objectNext' : top === 'array' ? 'arrayNext' : 'end';
  };
  // Scans a literal/number/string starting at i; returns an error or advances i.
  const scanValue = (): string | undefined => {
    const c = text[i] ?? '';
    if (c === '{') {
      stack.push('object');
      step = 'objectKeyOrEnd';
      i++;
      return undefined;
    }
    if (c === '[') {
      stack.push('array');
      step = 'arrayValueOrEnd';
      i++;
      return undefined;
    }
    if (c === '"') {
      const err = scanString();
      if (err === undefined) afterValue();
      return err;
    }
    if (c === '-' || (c >= '0' && c <= '9')) return scanNumber();
    for (const lit of ['true', 'false', 'null']) {
      if (c === lit[0]) {
        for (let k = 1; k < lit.length; k++) {
          const ch = text[i + k];
          if (ch === undefined) return 'unexpected end of JSON input';
          if (ch !== lit[k]) return bad(ch, `in literal ${lit} (expecting ${quoteChar(lit[k] ?? '')})`);
        }
        i += lit.length;
        afterValue();
        return undefined;
      }
    }
    return bad(c, 'looking for beginning of value');
  };
  const scanString = (): string | undefined => {
    i++; // opening quote
    while (i < n) {
      const c = text[i] ?? '';
      if (c === '"') {
        i++;
        return undefined;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === undefined) return 'unexpected end of JSON input';
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            const h = text[i + k];
            if (h === undefined) return 'unexpected end of JSON input';
            if (!/[0-9a-fA-F]/.test(h)) return bad(h, 'in \\u hexadecimal character escape');
          }
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) return bad(e, 'in string escape code');
        i += 2;
        continue;
      }
      if (c < ' ') return bad(c, 'in string literal');
      i++;
    }
    return 'unexpected end of JSON input';
  };
  const scanNumber = (): string | undefined => {
    if (text[i] === '-') {
      i++;
      const c = text[i];
      if (c === undefined) return 'unexpected end of JSON input';
      if (!(c >= '0' && c <= '9')) return bad(c, 'in numeric literal');
    }
    if (text[i] === '0') i++;
    else while (i < n && (text[i] ?? '') >= '0' && (text[i] ?? '') <= '9') i++;
    if (text[i] === '.') {
      i++;
      const c = text[i];
      if (c === undefined) return 'unexpected end of JSON input';
      if (!(c >= '0' && c <= '9')) return bad(c, 'after decimal point in numeric literal');
      while (i < n && (text[i] ?? '') >= '0' && (text[i] ?? '') <= '9') i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      const c = text[i];
      if (c === undefined) return 'unexpected end of JSON input';
      if (!(c >= '0' && c <= '9')) return bad(c, 'in exponent of numeric literal');
      while (i < n && (text[i] ?? '') >= '0' && (text[i] ?? '') <= '9') i++;
    }
    afterValue();
    return undefined;
  };

  while (i < n) {
    const c = text[i] ?? '';
    if (isSpace(c)) {
      i++;
      continue;
    }
    let err: string | undefined;
    switch (step) {
      case 'value':
        err = scanValue();
        break;
      case 'arrayValueOrEnd':
        if (c === ']') {
          stack.pop();
          i++;
          afterValue();
        } else err = scanValue();
        break;
      case 'objectKeyOrEnd':
      case 'objectKey':
        if (c === '}' && step === 'objectKeyOrEnd') {
          stack.pop();
          i++;
          afterValue();
        } else if (c === '"') {
          err = scanString();
          step = 'colon';
        } else err = bad(c, 'looking for beginning of object key string');
        break;
      case 'colon':
        if (c === ':') {
          i++;
          step = 'value';
        } else err = bad(c, 'after object key');
        break;
      case 'objectNext':
        if (c === ',') {
          i++;
          step = 'objectKey';
        } else if (c === '}') {
          stack.pop();
          i++;
          afterValue();
        } else err = bad(c, 'after object key:value pair');
        break;
      case 'arrayNext':
        if (c === ',') {
          i++;
          step = 'value';
        } else if (c === ']') {
          stack.pop();
          i++;
          afterValue();
        } else err = bad(c, 'after array element');
        break;
      case 'end':
        err = bad(c, 'after top-level value');
        break;
    }
    if (err !== undefined) return err;
  }
  return step === 'end' ? undefined : 'unexpected end of JSON input';
}

/** A request body that is not JSON; `reason` is Go's wording. */
export class MalformedJsonError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** JSON.parse with Go's error wording; an empty body is Go's "unexpected end of JSON input". */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedJsonError(goJsonSyntaxError(text) ?? 'invalid JSON');
  }
}
