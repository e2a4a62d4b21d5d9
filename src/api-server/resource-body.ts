import type { ResourceTypeDescriptor } from '../core/resources/descriptor.js';
import { InvalidResourceError, fromEnvelope, type ParsedEnvelope } from '../core/resources/envelope.js';
import { isObject, type JsonObject } from '../core/resources/json.js';
import type { ResourceRegistry } from '../core/resources/registry.js';
import { validateSpec } from '../core/resources/validate.js';
import { ResourceValidationError } from '../core/resources/validation.js';
import { MalformedJsonError, parseJsonBody } from './json-body.js';
import type { BodyMeta } from './write-rules.js';

// Reading a PUT body the way Kuma's rest.JSON.Unmarshal(body, <type of the URL>) does: the body is read
// as the URL's type whatever its `type` says (a mismatch is reported later, with the other URL/body
// checks), JSON and meta-type problems are 400 "Bad Request" `invalid <Type> object: "<Go error>"`,
// and the spec is validated right away ("Could not process a resource").

/** Deeper than this and the body is refused before anything walks it recursively. */
export const MAX_BODY_DEPTH = 64;

/** Nesting depth of JSON text (outside strings); stops counting past `limit`. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

export interface ResourceBody {
  meta: BodyMeta;
  spec: JsonObject;
  status?: ParsedEnvelope['status'];
}

function invalid(desc: ResourceTypeDescriptor, reason: string): InvalidResourceError {
  return new InvalidResourceError(`invalid ${desc.name} object: ${JSON.stringify(reason)}`);
}

function goType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

export function parseResourceBody(registry: ResourceRegistry, desc: ResourceTypeDescriptor, text: string): ResourceBody {
  if (jsonDepth(text, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) throw invalid(desc, `exceeded max depth of ${MAX_BODY_DEPTH}`);
  let json: unknown;
  try {
    json = parseJsonBody(text);
  } catch (err) {
    if (err instanceof MalformedJsonError) throw invalid(desc, err.reason);
    throw err;
  }
  if (!isObject(json)) throw invalid(desc, `json: cannot unmarshal ${goType(json)} into Go value of type map[string]interface {}`);
  const rawType = json['type'];
  if (rawType !== undefined && rawType !== null && typeof rawType !== 'string') {
    throw invalid(desc, `json: cannot unmarshal ${goType(rawType)} into Go struct field ResourceMeta.type of type string`);
  }
  let parsed: ParsedEnvelope;
  try {
    parsed = fromEnvelope(registry, { ...json, type: desc.name });
  } catch (err) {
    // fromEnvelope words meta problems for kumactl's generic reader; the API names the URL's type.
    if (err instanceof InvalidResourceError && err.message.startsWith('invalid meta type: ')) {
      throw new InvalidResourceError(`invalid ${desc.name} object: ${err.message.slice('invalid meta type: '.length)}`);
    }
    throw err;
  }
  const violations = validateSpec(desc, parsed.spec);
  if (violations.length > 0) throw new ResourceValidationError(violations);
  const out: ResourceBody = {
    meta: { type: typeof rawType === 'string' ? rawType : '', name: parsed.name, mesh: parsed.mesh, labels: parsed.labels },
    spec: parsed.spec,
  };
  if (parsed.status !== undefined) out.status = parsed.status;
  return out;
}
