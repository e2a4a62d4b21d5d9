import { KumaError } from '../errors.js';
import type { ResourceTypeDescriptor } from './descriptor.js';
import { BUILTIN_TYPES } from './types.js';

/** A type name (or path, or kumactl argument) that no registered type answers to. */
export class UnknownResourceTypeError extends KumaError {
  constructor(what: string) {
    super('ERR_RESOURCE_UNKNOWN_TYPE', `unknown resource type: ${JSON.stringify(what)}`);
  }
}

/** Lookups over a fixed set of descriptors; build one per process (or per test) from the types it serves. */
export class ResourceRegistry {
  private readonly byName = new Map<string, ResourceTypeDescriptor>();
  private readonly byPath = new Map<string, ResourceTypeDescriptor>();
  private readonly byArg = new Map<string, ResourceTypeDescriptor>();

  constructor(descriptors: readonly ResourceTypeDescriptor[] = BUILTIN_TYPES) {
    for (const d of descriptors) {
      if (this.byName.has(d.name)) throw new KumaError('ERR_RESOURCE_DUPLICATE_TYPE', `resource type ${d.name} registered twice`);
      this.byName.set(d.name, d);
      this.byPath.set(d.wsPath, d);
      if (d.alternativeWsPath) this.byPath.set(d.alternativeWsPath, d);
      for (const arg of [d.kumactlArg, d.kumactlListArg, d.kumactlArgAlias, d.kumactlListArgAlias]) {
        if (arg) this.byArg.set(arg, d);
      }
    }
  }

  /** All descriptors, in registration order. */
  all(): ResourceTypeDescriptor[] {
    return [...this.byName.values()];
  }

  find(name: string): ResourceTypeDescriptor | undefined {
    return this.byName.get(name);
  }

  /** The descriptor for a type name; throws UnknownResourceTypeError. */
  get(name: string): ResourceTypeDescriptor {
    const d = this.byName.get(name);
    if (!d) throw new UnknownResourceTypeError(name);
    return d;
  }

  /** By REST path segment (`meshes`, `global-secrets`, ...). */
  findByPath(segment: string): ResourceTypeDescriptor | undefined {
    return this.byPath.get(segment);
  }

  /** By kumactl argument, singular or plural (`dataplane`, `dataplanes`, `global-secret`, ...). */
  findByKumactlArg(arg: string): ResourceTypeDescriptor | undefined {
    return this.byArg.get(arg);
  }
}

/** The registry of the built-in types; shared because descriptors are immutable. */
export const builtinRegistry = new ResourceRegistry();
