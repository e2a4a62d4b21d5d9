/**
 * Validation of a whole kuma-cp configuration, following Kuma's Config.Validate (order, wrapping
 * texts, mode-specific checks) with two differences: every violation is reported, not the first
 * one, and the general / dpServer / access validators, which Kuma never calls, run too.
 */

import type { Violation } from './errors.js';
import type { KumaCpConfig } from './kuma-cp-schema.js';
import {
  validateAccess,
  validateApiServer,
  validateBootstrapServer,
  validateDiagnostics,
  validateDpServer,
  validateGeneral,
  validateInterCp,
  validateMads,
} from './validate-servers.js';
import { validateGlobalKds, validateZone } from './validate-multizone.js';
import { validateStore } from './validate-store.js';
import { rootScope } from './validate-support.js';

const k8sGlobal = (what: string): string =>
  `Kubernetes-native Global Control Plane is not supported: mode=global cannot be combined with ${what}. ` +
  'Run mode=global with environment=universal backed by a non-Kubernetes store such as PostgreSQL, even when Kuma CP itself is deployed on Kubernetes';

/** Every violation of `cfg`, each with its YAML path; empty when the configuration is usable. */
export function validateKumaCpConfig(cfg: KumaCpConfig): Violation[] {
  const out: Violation[] = [];
  const root = rootScope(out);
  if (cfg.mode !== 'zone' && cfg.mode !== 'global') {
    root.add('mode', 'Mode validation failed: invalid mode. Available modes: zone, global');
  }
  if (cfg.environment !== 'kubernetes' && cfg.environment !== 'universal') {
    root.add('environment', 'Environment should be either kubernetes or universal');
  }
  if (cfg.mode === 'global') {
    if (cfg.environment === 'kubernetes') root.add('environment', k8sGlobal('environment=kubernetes'));
    if (cfg.store.type === 'kubernetes') root.add('store.type', k8sGlobal('store.type=kubernetes'));
    validateGlobalKds(root.scope('Multizone Global validation failed: ', 'multizone.global.kds'), cfg.multizone.global.kds);
  }
  if (cfg.mode === 'zone') {
    validateZone(root.scope('Multizone Zone validation failed: ', 'multizone.zone'), cfg.multizone.zone);
    validateBootstrapServer(root.scope('Bootstrap Server validation failed: ', 'bootstrapServer'), cfg.bootstrapServer);
    validateMads(root.scope('Monitoring Assignment Server validation failed: ', 'monitoringAssignmentServer'), cfg.monitoringAssignmentServer);
    if (cfg.environment === 'universal' && cfg.runtime.universal.dataplaneCleanupAge <= 0) {
      root.scope('Runtime validation failed: ', 'runtime.universal').add('dataplaneCleanupAge', '.DataplaneCleanupAge must be positive');
    }
  }
  validateStore(root.scope('Store validation failed: ', 'store'), cfg.store);
  validateApiServer(root.scope('ApiServer validation failed: ', 'apiServer'), cfg.apiServer);
  validateDiagnostics(root.scope('Diagnostics validation failed: ', 'diagnostics'), cfg.diagnostics);
  validateInterCp(root.scope('InterCp validation failed: ', 'interCp'), cfg.interCp);
  validateGeneral(root.scope('General validation failed: ', 'general'), cfg.general);
  validateDpServer(root.scope('DpServer validation failed: ', 'dpServer'), cfg.dpServer);
  validateAccess(root.scope('Access validation failed: ', 'access'), cfg.access);
  return out;
}
