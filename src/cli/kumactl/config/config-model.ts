/**
 * The kumactl configuration (Kuma's `kumactl.config.v1alpha1.Configuration`): known control planes,
 * contexts pointing at them, and the current context. Pure data and the operations Kuma's helpers
 * offer (add/remove/switch), with Kuma's semantics.
 */

export interface HeaderEntry {
  key: string;
  value: string;
}

/** How to reach a control plane's API server. Empty strings / false / [] mean "not set". */
export interface ApiServerCoordinates {
  url: string;
  caCertFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  headers: HeaderEntry[];
  authType: string;
  authConf: Record<string, string>;
  skipVerify: boolean;
}

export interface ControlPlane {
  name: string;
  coordinates: { apiServer: ApiServerCoordinates };
}

export interface KumactlContextEntry {
  name: string;
  controlPlane: string;
  /** Present when the file has a `defaults` block (kept so a round trip does not drop it). */
  defaults?: { mesh: string };
}

export interface KumactlConfig {
  controlPlanes: ControlPlane[];
  contexts: KumactlContextEntry[];
  currentContext: string;
}

export const DEFAULT_CONTROL_PLANE_URL = 'http://localhost:5681';

export function emptyCoordinates(url = ''): ApiServerCoordinates {
  return { url, caCertFile: '', clientCertFile: '', clientKeyFile: '', headers: [], authType: '', authConf: {}, skipVerify: false };
}

/** What a first run writes: control plane and context `local` → http://localhost:5681. */
export function defaultConfig(): KumactlConfig {
  return {
    controlPlanes: [{ name: 'local', coordinates: { apiServer: emptyCoordinates(DEFAULT_CONTROL_PLANE_URL) } }],
    contexts: [{ name: 'local', controlPlane: 'local' }],
    currentContext: 'local',
  };
}

export function emptyConfig(): KumactlConfig {
  return { controlPlanes: [], contexts: [], currentContext: '' };
}

export function findContext(cfg: KumactlConfig, name: string): KumactlContextEntry | undefined {
  return cfg.contexts.find((c) => c.name === name);
}

export function findControlPlane(cfg: KumactlConfig, name: string): ControlPlane | undefined {
  return cfg.controlPlanes.find((c) => c.name === name);
}

/** Adds or (with `overwrite`) replaces in place; false when the name exists and overwrite is off. */
export function addControlPlane(cfg: KumactlConfig, cp: ControlPlane, overwrite: boolean): boolean {
  const i = cfg.controlPlanes.findIndex((c) => c.name === cp.name);
  if (i < 0) cfg.controlPlanes.push(cp);
  else if (overwrite) cfg.controlPlanes[i] = cp;
  else return false;
  return true;
}

export function addContext(cfg: KumactlConfig, ctx: KumactlContextEntry, overwrite: boolean): boolean {
  const i = cfg.contexts.findIndex((c) => c.name === ctx.name);
  if (i < 0) cfg.contexts.push(ctx);
  else if (overwrite) cfg.contexts[i] = ctx;
  else return false;
  return true;
}

/** Removing the current context makes the first remaining one current (or none). */
export function removeContext(cfg: KumactlConfig, name: string): boolean {
  const i = cfg.contexts.findIndex((c) => c.name === name);
  if (i < 0) return false;
  cfg.contexts.splice(i, 1);
  if (cfg.currentContext === name) cfg.currentContext = cfg.contexts[0]?.name ?? '';
  return true;
}

/** Removes the control plane and every context that points at it. */
export function removeControlPlane(cfg: KumactlConfig, name: string): boolean {
  const i = cfg.controlPlanes.findIndex((c) => c.name === name);
  if (i < 0) return false;
  for (const ctx of cfg.contexts.filter((c) => c.controlPlane === name)) removeContext(cfg, ctx.name);
  cfg.controlPlanes.splice(i, 1);
  return true;
}

/** `switch --name N` switches to the *context* N (Kuma adds a same-named context with every control plane). */
export function switchContext(cfg: KumactlConfig, name: string): boolean {
  const ctx = findContext(cfg, name);
  if (!ctx) return false;
  cfg.currentContext = ctx.name;
  return true;
}

export function currentContextOf(cfg: KumactlConfig): KumactlContextEntry | undefined {
  return findContext(cfg, cfg.currentContext);
}
