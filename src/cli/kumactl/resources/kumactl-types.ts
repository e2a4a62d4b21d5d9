import type { ResourceTypeDescriptor } from '../../../core/resources/descriptor.js';
import { builtinRegistry, type ResourceRegistry } from '../../../core/resources/registry.js';

/** Types kumactl can address (those with a kumactl argument; insights have none). */
export function kumactlTypes(registry: ResourceRegistry = builtinRegistry): ResourceTypeDescriptor[] {
  return registry.all().filter((d) => d.kumactlArg !== '');
}

/** Singular arguments and aliases, sorted: the "Allowed values" of delete. */
export function singularArgs(types: readonly ResourceTypeDescriptor[]): string[] {
  return types.flatMap((d) => [d.kumactlArg, ...(d.kumactlArgAlias ? [d.kumactlArgAlias] : [])]).sort();
}
