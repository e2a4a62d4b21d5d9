import type { ResourceTypeDescriptor } from './descriptor.js';
import type { JsonObject } from './json.js';
import { validateMeta } from './meta-rules.js';
import type { Violation } from './validation.js';
import { ResourceValidationError } from './validation.js';

/** Meta rules then spec rules, as one list (the order Kuma reports them when both run). */
export function validateResource(desc: ResourceTypeDescriptor, r: { name: string; mesh: string; spec: JsonObject }): Violation[] {
  return [...validateMeta(r, desc.scope).list, ...desc.validate(r.spec)];
}

/** Spec rules only (the manager's step in Kuma). */
export function validateSpec(desc: ResourceTypeDescriptor, spec: JsonObject): Violation[] {
  return desc.validate(spec);
}

/** Throws ResourceValidationError if the resource breaks any rule. */
export function assertValidResource(desc: ResourceTypeDescriptor, r: { name: string; mesh: string; spec: JsonObject }): void {
  const violations = validateResource(desc, r);
  if (violations.length > 0) throw new ResourceValidationError(violations);
}

/** Warnings to return with a successful write. */
export function deprecationsOf(desc: ResourceTypeDescriptor, r: { name: string; spec: JsonObject }): string[] {
  return desc.deprecations?.({ name: r.name }, r.spec) ?? [];
}
