import type { JsonObject } from './json.js';
import type { ResourceScope } from './resource.js';
import type { Violation } from './validation.js';

/** KDS flags (Kuma `pkg/core/resources/model/resource.go`): who provides a type and who consumes it. */
export const KdsFlags = {
  ConsumedByZone: 1,
  ConsumedByGlobal: 4,
  ProvidedByZone: 8,
  ProvidedByGlobal: 16,
  SyncedAcrossZones: 32,
  KDSDisabledByDefault: 64,
} as const;
export const ZoneToGlobal = KdsFlags.ConsumedByGlobal | KdsFlags.ProvidedByZone;
export const GlobalToZones = KdsFlags.ProvidedByGlobal | KdsFlags.ConsumedByZone;

export function hasFlag(flags: number, flag: number): boolean {
  return (flags & flag) === flag;
}

/** Everything the API, CLI, KDS and store need to know about a resource type, in one place. */
export interface ResourceTypeDescriptor {
  /** Kuma type name, e.g. `Mesh`, `MeshTrafficPermission`. */
  readonly name: string;
  readonly scope: ResourceScope;
  /** REST path segment: `/meshes`, `/meshes/{mesh}/dataplanes`. */
  readonly wsPath: string;
  /** A second accepted path segment (`global-secrets` for GlobalSecret). */
  readonly alternativeWsPath?: string;
  /** kumactl singular/plural arguments; '' when kumactl cannot address the type (insights). */
  readonly kumactlArg: string;
  readonly kumactlListArg: string;
  readonly kumactlArgAlias?: string;
  readonly kumactlListArgAlias?: string;
  /** KRI short name (`m`, `dp`, `mtp`); '' when the type has no KRI. */
  readonly shortName: string;
  readonly singularDisplayName: string;
  readonly pluralDisplayName: string;
  /** Written only by the control plane itself (insights): the API answers PUT/DELETE with 405. */
  readonly readOnly: boolean;
  /** Only admins may read or write (secrets). */
  readonly adminOnly: boolean;
  readonly isPolicy: boolean;
  /** New-style ("plugin") resource: JSON envelope carries the spec under `spec` instead of inline. */
  readonly isPluginOriginated: boolean;
  readonly hasStatus: boolean;
  /** A proxy type (Dataplane): gets the computed `kuma.io/proxy-type` label. */
  readonly isProxy: boolean;
  /** Name of the companion insight type, if any. */
  readonly insightType?: string;
  readonly kdsFlags: number;
  /**
   * Legacy types only: the spec's top-level fields. Everything else in an inline envelope is
   * dropped, as proto-JSON parsing with unknown fields allowed does in Kuma.
   */
  readonly specFields?: readonly string[];
  /**
   * proto-JSON shape problems that make Kuma refuse to parse the body at all (bad base64, wrong
   * scalar type); the reason goes into `invalid <Type> object: "<reason>"`.
   */
  readonly parse?: (spec: JsonObject) => string | undefined;
  /** Pure spec validation with Kuma's field paths and messages. */
  readonly validate: (spec: JsonObject) => Violation[];
  /** Warnings returned with a successful write (deprecated names and fields). */
  readonly deprecations?: (meta: { name: string }, spec: JsonObject) => string[];
}
