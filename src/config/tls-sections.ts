/**
 * The kuma-cp servers that speak TLS, for the runtime to iterate over when it applies general TLS
 * settings (Kuma's propagation rule) and builds listeners. Each accessor returns the live section.
 */

import type { KumaCpConfig } from './kuma-cp-schema.js';

export interface TlsServerSettings {
  tlsMinVersion: string;
  tlsMaxVersion: string;
  tlsCipherSuites: string[];
  /** Absent for inter-CP, which uses its own CA instead of general's certificate. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

export interface TlsServerSection {
  /** YAML path of the section, e.g. `apiServer.https`. */
  readonly path: string;
  /** True when an empty tlsCertFile means "use general's certificate and key". */
  readonly inheritsGeneralCert: boolean;
  readonly settings: (cfg: KumaCpConfig) => TlsServerSettings;
}

export const TLS_SERVER_SECTIONS: readonly TlsServerSection[] = [
  { path: 'dpServer', inheritsGeneralCert: true, settings: (c) => c.dpServer },
  { path: 'apiServer.https', inheritsGeneralCert: true, settings: (c) => c.apiServer.https },
  { path: 'multizone.global.kds', inheritsGeneralCert: true, settings: (c) => c.multizone.global.kds },
  { path: 'diagnostics', inheritsGeneralCert: true, settings: (c) => c.diagnostics },
  { path: 'monitoringAssignmentServer', inheritsGeneralCert: true, settings: (c) => c.monitoringAssignmentServer },
  { path: 'interCp.server', inheritsGeneralCert: false, settings: (c) => c.interCp.server },
];
