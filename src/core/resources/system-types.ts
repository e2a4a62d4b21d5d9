import type { JsonObject } from './json.js';
import { Violations } from './validation.js';

// Secret, GlobalSecret, Zone and the insights: specs without validation rules of their own in Kuma;
// only their proto-JSON shape is checked when an envelope is parsed.

export const SECRET_SPEC_FIELDS = ['data'] as const;
export const ZONE_SPEC_FIELDS = ['enabled'] as const;
export const DATAPLANE_INSIGHT_SPEC_FIELDS = ['subscriptions', 'mTLS', 'metadata'] as const;
export const ZONE_INSIGHT_SPEC_FIELDS = ['subscriptions', 'envoyAdminStreams', 'healthCheck', 'kdsStreams'] as const;

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_B64 = /^[A-Za-z0-9\-_]*={0,2}$/;

/** proto-JSON bytes: standard or URL-safe base64, padded or not (Go protojson accepts all four). */
export function isProtoBase64(s: string): boolean {
  if (!STD_B64.test(s) && !URL_B64.test(s)) return false;
  const body = s.replace(/=+$/, '');
  if (body.length % 4 === 1) return false;
  return s.length === body.length || s.length % 4 === 0;
}

/** Decode a Secret's `data` (undefined when absent). */
export function secretBytes(spec: JsonObject): Uint8Array | undefined {
  const data = spec['data'];
  if (typeof data !== 'string') return undefined;
  let std = data.replaceAll('-', '+').replaceAll('_', '/').replace(/=+$/, '');
  std += '='.repeat((4 - (std.length % 4)) % 4);
  return Uint8Array.from(atob(std), (c) => c.charCodeAt(0));
}

/** Encode bytes as a Secret's `data`. */
export function secretData(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function parseSecretSpec(spec: JsonObject): string | undefined {
  const data = spec['data'];
  if (data === undefined || data === null) return undefined;
  if (typeof data !== 'string' || !isProtoBase64(data)) return `proto: invalid value for bytes field data: ${JSON.stringify(data)}`;
  return undefined;
}

export function parseZoneSpec(spec: JsonObject): string | undefined {
  const enabled = spec['enabled'];
  if (enabled === undefined || enabled === null || typeof enabled === 'boolean') return undefined;
  return `proto: invalid value for bool field enabled: ${JSON.stringify(enabled)}`;
}

/** Zone `enabled` is a BoolValue: absent means enabled. */
export function zoneEnabled(spec: JsonObject): boolean {
  return spec['enabled'] !== false;
}

export function noSpecRules(): Violations {
  return new Violations();
}
