import type { ClaimsSchema } from './claims.js';
import { TokenIssuerDisabledError } from './errors.js';
import { TokenIssuer, type TokenIssuerOptions } from './issuer.js';
import { SecretKeyAccessor } from './key-accessors.js';
import { dataplaneRevocationsName, dataplaneSigningKeyPrefix } from './names.js';
import { RevocationList } from './revocations.js';
import type { SecretCache } from './secret-cache.js';
import { GLOBAL_SECRET_TYPE, SECRET_TYPE, type SecretSource } from './secret-source.js';
import { TokenValidator } from './validator.js';
import { accessorsFor, commonValidatorOptions, type TokenValidatorConfig } from './validator-config.js';

export const DATAPLANE_TOKEN_CLAIMS: ClaimsSchema = {
  structName: 'DataplaneClaims',
  fields: { Name: 'string', Mesh: 'string', Tags: 'tags', Type: 'string', Workload: 'string' },
};

/** What a dataplane token binds (every field optional: '' / {} mean "any"). */
export interface DataplaneIdentity {
  name: string;
  mesh: string;
  /** tag -> allowed values. */
  tags: Record<string, string[]>;
  /** '' or `dataplane`. */
  type: string;
  workload: string;
}

/** Kuma's MultiValueTagSet: sorted tag names, each with its distinct values sorted. */
export function normalizeTags(tags: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of Object.keys(tags).sort()) out[name] = [...new Set(tags[name] ?? [])].sort();
  return out;
}

export interface DataplaneTokenIssuer {
  issue(identity: DataplaneIdentity, validForMs: number): Promise<string>;
}

/** Signs with the latest `dataplane-token-signing-key-<mesh>-N` Secret of the identity's mesh. */
export function createDataplaneTokenIssuer(source: Pick<SecretSource, 'list'>, opts: TokenIssuerOptions & { enabled?: boolean } = {}): DataplaneTokenIssuer {
  if (opts.enabled === false) return { issue: () => Promise.reject(new TokenIssuerDisabledError()) };
  return {
    issue(id, validForMs) {
      const issuer = new TokenIssuer(source, dataplaneSigningKeyPrefix(id.mesh), id.mesh, opts);
      const claims = { Name: id.name, Mesh: id.mesh, Tags: normalizeTags(id.tags), Type: id.type, Workload: id.workload };
      return issuer.issue(claims, validForMs);
    },
  };
}

export interface DataplaneTokenValidator {
  /** Validate against the keys of `mesh` (the Dataplane's mesh). */
  validate(token: string, mesh: string): Promise<DataplaneIdentity>;
}

/**
 * Per mesh: static keys of that mesh and mesh-less ones, then the mesh's signing-key Secrets.
 * Revoked if listed in the mesh Secret `dataplane-token-revocations-<mesh>` or the GlobalSecret of
 * that name (Kuma HEAD reads only the latter; 2.x documents the former).
 */
export function createDataplaneTokenValidator(cache: SecretCache, cfg: TokenValidatorConfig = {}): DataplaneTokenValidator {
  const perMesh = new Map<string, TokenValidator>();
  const forMesh = (mesh: string): TokenValidator => {
    let v = perMesh.get(mesh);
    if (!v) {
      const name = dataplaneRevocationsName(mesh);
      v = new TokenValidator(DATAPLANE_TOKEN_CLAIMS, {
        accessors: accessorsFor(cfg, new SecretKeyAccessor(cache, dataplaneSigningKeyPrefix(mesh), { mesh }), [mesh, '']),
        revocations: new RevocationList(cache, [
          { type: SECRET_TYPE, mesh, name },
          { type: GLOBAL_SECRET_TYPE, mesh: '', name },
        ]),
        ...commonValidatorOptions(cfg),
      });
      perMesh.set(mesh, v);
    }
    return v;
  };
  return {
    async validate(token, mesh) {
      const { claims } = await forMesh(mesh).validate(token);
      const tags = claims['Tags'] as Record<string, string[]>;
      return {
        name: claims['Name'] as string,
        mesh: claims['Mesh'] as string,
        tags: normalizeTags(tags),
        type: claims['Type'] as string,
        workload: claims['Workload'] as string,
      };
    },
  };
}
