/**
 * Validation of general, dpServer, apiServer, diagnostics, interCp, MADS, bootstrap and access.
 * Kuma never runs the general, dpServer and access validators (so a certificate without a key only
 * fails when a server starts); kuma-ts runs them all.
 */

import type { KumaCpConfig } from './kuma-cp-schema.js';
import { parseGoUrl } from './go-url.js';
import { checkCertKeyPair, checkPublicKeys, checkTlsNames, outOfPortRange, type Scope } from './validate-support.js';

export function validateGeneral(s: Scope, g: KumaCpConfig['general']): void {
  checkCertKeyPair(s, g);
  checkTlsNames(s, g);
}

const DP_PROXY_TYPES = ['', 'serviceAccountToken', 'dpToken', 'none'];
const ZONE_PROXY_TYPES = ['', 'serviceAccountToken', 'zoneToken', 'none'];

export function validateDpServer(s: Scope, d: KumaCpConfig['dpServer']): void {
  if (d.port < 0) s.add('port', '.Port cannot be negative');
  else if (d.port > 65535) s.add('port', '.Port must be in the range [0, 65535]');
  const auth = s.scope('.Auth is invalid: ', 'authn');
  const dp = auth.scope('.DpProxy is not valid: ', 'dpProxy');
  if (!DP_PROXY_TYPES.includes(d.authn.dpProxy.type)) {
    dp.add('type', `.Type should be one of serviceAccountToken, dpToken or none (empty: chosen by environment), got "${d.authn.dpProxy.type}"`);
  }
  checkPublicKeys(dp.scope('.DpToken is not valid: .Validator is not valid: ', 'dpToken.validator'), 'publicKeys', d.authn.dpProxy.dpToken.validator.publicKeys);
  const zp = auth.scope('.ZoneProxy is not valid: ', 'zoneProxy');
  if (!ZONE_PROXY_TYPES.includes(d.authn.zoneProxy.type)) {
    zp.add('type', `.Type should be one of serviceAccountToken, zoneToken or none (empty: chosen by environment), got "${d.authn.zoneProxy.type}"`);
  }
  // Kuma's text says "is not valida" here; the typo is not kept.
  checkPublicKeys(zp.scope('.ZoneToken is not valid: .Validator is not valid: ', 'zoneToken.validator'), 'publicKeys', d.authn.zoneProxy.zoneToken.validator.publicKeys);
  checkCertKeyPair(s, d);
  checkTlsNames(s, d);
  if (d.readHeaderTimeout < 0) s.add('readHeaderTimeout', 'ReadHeaderTimeout must be greater or equal 0s');
  if (d.gracefulShutdownTimeout <= 0) s.add('gracefulShutdownTimeout', '.GracefulShutdownTimeout must be greater than 0s');
  const hds = s.scope('.Hds is invalid: ', 'hds');
  if (d.hds.interval <= 0) hds.add('interval', 'Interval must be greater than 0s');
  const check = hds.scope('Check is invalid: ', 'checkDefaults');
  if (d.hds.checkDefaults.timeout <= 0) check.add('timeout', 'Timeout must be greater than 0s');
  if (d.hds.checkDefaults.interval <= 0) check.add('interval', 'Interval must be greater than 0s');
  if (d.hds.checkDefaults.noTrafficInterval <= 0) check.add('noTrafficInterval', 'NoTrafficInterval must be greater than 0s');
}

/**
 * Kuma appends each sub-error twice (`X; .HTTPS not valid: X`); we report it once, wrapped.
 * Requiring client certificates without a CA to check them against is rejected (Kuma would fall
 * back to the system roots, accepting any publicly trusted certificate).
 */
export function validateApiServer(s: Scope, a: KumaCpConfig['apiServer']): void {
  const http = s.scope('.HTTP not valid: ', 'http');
  if (a.http.interface === '') http.add('interface', 'Interface cannot be empty');
  if (outOfPortRange(a.http.port)) http.add('port', 'Port must be in range [0, 65535]');
  const https = s.scope('.HTTPS not valid: ', 'https');
  if (a.https.interface === '') https.add('interface', '.Interface cannot be empty');
  if (outOfPortRange(a.https.port)) https.add('port', 'Port must be in range [0, 65535]');
  if ((a.https.tlsKeyFile === '') !== (a.https.tlsCertFile === '')) {
    https.add(a.https.tlsCertFile === '' ? 'tlsCertFile' : 'tlsKeyFile', 'Both TlsCertFile and TlsKeyFile has to be specified');
  }
  checkTlsNames(https, a.https);
  if (a.https.requireClientCert && a.https.tlsCaFile === '') {
    https.add('tlsCaFile', '.TlsCaFile cannot be empty if RequireClientCert is true');
  }
  const gui = s.scope('.GUI not valid: ', 'gui');
  if (a.gui.rootUrl !== '' && !parseGoUrl(a.gui.rootUrl).ok) gui.add('rootUrl', 'RootUrl is not a valid url');
  if (a.gui.basePath !== '' && !parseGoUrl(a.gui.basePath).ok) gui.add('basePath', 'BaseGuiPath is not a valid url');
  if (a.rootUrl !== '' && !parseGoUrl(a.rootUrl).ok) s.add('rootUrl', 'RootUrl is not a valid URL');
  // Kuma says "BaseGuiPath" here too (copy-paste); the field is basePath.
  if (a.basePath !== '' && !parseGoUrl(a.basePath).ok) s.add('basePath', 'BasePath is not a valid url');
  const authn = s.scope('.Authn is not valid: ', 'authn');
  if (a.authn.type !== 'tokens') {
    authn.add('type', `there is no implementation of authn named ${JSON.stringify(a.authn.type)}; available: tokens`);
  } else {
    checkPublicKeys(authn.scope('.Tokens is not valid: .Validator is not valid: ', 'tokens.validator'), 'publicKeys', a.authn.tokens.validator.publicKeys);
  }
  const timeouts = [
    ['readHeaderTimeout', '.ReadHeaderTimeout'],
    ['readTimeout', '.ReadTimeout'],
    ['writeTimeout', '.WriteTimeout'],
    ['idleTimeout', '.IdleTimeout'],
  ] as const;
  for (const [key, name] of timeouts) {
    if (a[key] < 0) s.add(key, `${name} must be greater or equal 0s`);
  }
}

export function validateDiagnostics(s: Scope, d: KumaCpConfig['diagnostics']): void {
  if (outOfPortRange(d.serverPort)) s.add('serverPort', '.ServerPort must be in the range [0, 65535]');
  checkCertKeyPair(s, d);
  checkTlsNames(s, d);
}

export function validateInterCp(s: Scope, i: KumaCpConfig['interCp']): void {
  const server = s.scope('.Server validation failed: ', 'server');
  if (i.server.port === 0) server.add('port', '.Port cannot be zero');
  else if (outOfPortRange(i.server.port)) server.add('port', '.Port must be in the range [0, 65535]');
  checkTlsNames(server, i.server);
}

export function validateMads(s: Scope, m: KumaCpConfig['monitoringAssignmentServer']): void {
  if (outOfPortRange(m.port)) s.add('port', '.Port must be in the range [0, 65535]');
  checkCertKeyPair(s, m);
  checkTlsNames(s, m);
}

export function validateBootstrapServer(s: Scope, b: KumaCpConfig['bootstrapServer']): void {
  if (outOfPortRange(b.params.xdsPort)) s.scope('Params validation failed: ', 'params').add('xdsPort', 'XdsPort must be in the range [0, 65535]');
}

/** Kuma checks only that the type is set, then fails at start for anything but static. */
export function validateAccess(s: Scope, a: KumaCpConfig['access']): void {
  if (a.type === '') s.add('type', 'Type has to be defined');
  else if (a.type !== 'static') s.add('type', `no Access strategy for type ${JSON.stringify(a.type)}`);
}
