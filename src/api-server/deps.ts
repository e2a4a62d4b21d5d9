import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import type { Logger } from '../core/log.js';
import type { ResourceRegistry } from '../core/resources/registry.js';
import type { Resource, ResourceKey } from '../core/resources/resource.js';
import type { ChangeListener, DeleteOptions, GetOptions, ListOptions, NewResource, ResourceList } from '../store/resource-store.js';
import type { ReloadingServerCredentials } from '../tls/server-credentials.js';
import type { DataplaneTokenIssuer, UserTokenIssuer, UserTokenValidator, ZoneTokenIssuer } from '../tokens/index.js';

/** The resource manager operations the API uses (managers' ResourceManager satisfies it). */
export interface ApiResourceManager {
  create(input: NewResource, opts?: { owner?: ResourceKey }): Promise<Resource>;
  update(resource: Resource): Promise<Resource>;
  delete(key: ResourceKey, opts?: DeleteOptions): Promise<void>;
  get(key: ResourceKey, opts?: GetOptions): Promise<Resource>;
  list(type: string, opts?: ListOptions): Promise<ResourceList>;
  watch(listener: ChangeListener): () => void;
}

/** Token issuers and the user-token validator (see createApiTokens). */
export interface ApiTokens {
  userValidator: UserTokenValidator;
  userIssuer: UserTokenIssuer;
  dataplaneIssuer: DataplaneTokenIssuer;
  /** Absent: POST /tokens/zone is not served (a federated zone CP). */
  zoneIssuer?: ZoneTokenIssuer;
}

/** What this control-plane instance reports in `GET /`. */
export interface InstanceInfo {
  hostname: string;
  instanceId: string;
  clusterId?: string;
}

export interface ApiServerDeps {
  config: KumaCpConfig;
  resources: ApiResourceManager;
  tokens: ApiTokens;
  logger: Logger;
  instance: InstanceInfo;
  /** Defaults to the built-in types. */
  registry?: ResourceRegistry;
  /**
   * Certificate of the HTTPS listener (with apiServer.https client-certificate settings, see
   * apiServerTlsSettings); required when apiServer.https.enabled. Owned by the caller.
   */
  httpsCredentials?: ReloadingServerCredentials;
}
