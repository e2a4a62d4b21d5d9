/**
 * The kumactl config file format: YAML of the proto-JSON of Kuma's Configuration message. Like Kuma
 * (jsonpb with unknown fields allowed) we read both the JSON names (`controlPlanes`) and the proto
 * names (`control_planes`) and ignore unknown fields; we write JSON names, keys sorted, empty values
 * omitted (sigs.k8s.io/yaml output).
 */
import { parse } from 'yaml';
import { KumaError, messageOf } from '../../../core/errors.js';
import type { ApiServerCoordinates, ControlPlane, HeaderEntry, KumactlConfig, KumactlContextEntry } from './config-model.js';
import { emptyConfig, emptyCoordinates } from './config-model.js';
import { toGoYaml } from '../output/yaml.js';

export class ConfigFormatError extends KumaError {
  constructor(message: string) {
    super('ERR_KUMACTL_CONFIG_FORMAT', message);
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value under the JSON name or, failing that, the proto name. */
function field(o: Obj, jsonName: string, protoName: string): unknown {
  return o[jsonName] ?? o[protoName] ?? undefined;
}

function str(o: Obj, jsonName: string, protoName: string, path: string): string {
  const v = field(o, jsonName, protoName);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new ConfigFormatError(`${path}.${jsonName}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function bool(o: Obj, jsonName: string, protoName: string, path: string): boolean {
  const v = field(o, jsonName, protoName);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ConfigFormatError(`${path}.${jsonName}: expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function obj(o: Obj, jsonName: string, protoName: string, path: string): Obj | undefined {
  const v = field(o, jsonName, protoName);
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new ConfigFormatError(`${path}.${jsonName}: expected an object`);
  return v;
}

function list(o: Obj, jsonName: string, protoName: string, path: string): Obj[] {
  const v = field(o, jsonName, protoName);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ConfigFormatError(`${path}.${jsonName}: expected a list`);
  return v.map((item, i) => {
    if (!isObj(item)) throw new ConfigFormatError(`${path}.${jsonName}[${i}]: expected an object`);
    return item;
  });
}

function readApiServer(o: Obj | undefined, path: string): ApiServerCoordinates {
  const c = emptyCoordinates();
  if (!o) return c;
  c.url = str(o, 'url', 'url', path);
  c.caCertFile = str(o, 'caCertFile', 'ca_cert_file', path);
  c.clientCertFile = str(o, 'clientCertFile', 'client_cert_file', path);
  c.clientKeyFile = str(o, 'clientKeyFile', 'client_key_file', path);
  c.authType = str(o, 'authType', 'auth_type', path);
  c.skipVerify = bool(o, 'skipVerify', 'skip_verify', path);
  c.headers = list(o, 'headers', 'headers', path).map((h, i): HeaderEntry => ({
    key: str(h, 'key', 'key', `${path}.headers[${i}]`),
    value: str(h, 'value', 'value', `${path}.headers[${i}]`),
  }));
  const conf = obj(o, 'authConf', 'auth_conf', path) ?? {};
  for (const [k, v] of Object.entries(conf)) {
    if (typeof v !== 'string') throw new ConfigFormatError(`${path}.authConf.${k}: expected a string`);
    c.authConf[k] = v;
  }
  return c;
}

/** Parses the file content; an empty file is an empty configuration (as in Kuma). */
export function parseConfig(text: string): KumactlConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigFormatError(`invalid YAML: ${messageOf(err)}`);
  }
  const cfg = emptyConfig();
  if (doc === null || doc === undefined) return cfg;
  if (!isObj(doc)) throw new ConfigFormatError('expected a YAML object with controlPlanes, contexts and currentContext');
  cfg.currentContext = str(doc, 'currentContext', 'current_context', '');
  cfg.controlPlanes = list(doc, 'controlPlanes', 'control_planes', '').map((cp, i): ControlPlane => {
    const path = `controlPlanes[${i}]`;
    const coordinates = obj(cp, 'coordinates', 'coordinates', path);
    return {
      name: str(cp, 'name', 'name', path),
      coordinates: { apiServer: readApiServer(coordinates && obj(coordinates, 'apiServer', 'api_server', `${path}.coordinates`), `${path}.coordinates.apiServer`) },
    };
  });
  cfg.contexts = list(doc, 'contexts', 'contexts', '').map((c, i): KumactlContextEntry => {
    const path = `contexts[${i}]`;
    const entry: KumactlContextEntry = { name: str(c, 'name', 'name', path), controlPlane: str(c, 'controlPlane', 'control_plane', path) };
    const defaults = obj(c, 'defaults', 'defaults', path);
    if (defaults) entry.defaults = { mesh: str(defaults, 'mesh', 'mesh', `${path}.defaults`) };
    return entry;
  });
  return cfg;
}

function apiServerJson(c: ApiServerCoordinates): Obj {
  const o: Obj = {};
  if (c.url !== '') o['url'] = c.url;
  if (c.caCertFile !== '') o['caCertFile'] = c.caCertFile;
  if (c.clientCertFile !== '') o['clientCertFile'] = c.clientCertFile;
  if (c.clientKeyFile !== '') o['clientKeyFile'] = c.clientKeyFile;
  if (c.headers.length > 0) o['headers'] = c.headers.map((h) => ({ ...(h.key !== '' && { key: h.key }), ...(h.value !== '' && { value: h.value }) }));
  if (c.authType !== '') o['authType'] = c.authType;
  if (Object.keys(c.authConf).length > 0) o['authConf'] = { ...c.authConf };
  if (c.skipVerify) o['skipVerify'] = true;
  return o;
}

/** The proto-JSON object of a configuration (jsonpb: defaults omitted, messages kept when set). */
export function configToJson(cfg: KumactlConfig): Obj {
  const o: Obj = {};
  if (cfg.controlPlanes.length > 0) {
    o['controlPlanes'] = cfg.controlPlanes.map((cp) => ({
      ...(cp.name !== '' && { name: cp.name }),
      coordinates: { apiServer: apiServerJson(cp.coordinates.apiServer) },
    }));
  }
  if (cfg.contexts.length > 0) {
    o['contexts'] = cfg.contexts.map((c) => ({
      ...(c.name !== '' && { name: c.name }),
      ...(c.controlPlane !== '' && { controlPlane: c.controlPlane }),
      ...(c.defaults && { defaults: c.defaults.mesh === '' ? {} : { mesh: c.defaults.mesh } }),
    }));
  }
  if (cfg.currentContext !== '') o['currentContext'] = cfg.currentContext;
  return o;
}

export function serializeConfig(cfg: KumactlConfig): string {
  return toGoYaml(configToJson(cfg));
}
