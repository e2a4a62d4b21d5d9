/**
 * Test helpers for `kumactl install control-plane`: run it in-process, split the output into
 * objects, pick the control plane container, and replace generated key material by placeholders
 * so goldens stay stable. Used only by tests.
 */
import { parseAllDocuments } from 'yaml';
import { VERSION } from '../../../core/version.js';
import { runKumactl, withHome, type KumactlRun } from '../testing/run-kumactl.js';

/** Where the goldens and the test CA certificate (no key, valid until 2126) live, from the repo root. */
export const TESTDATA = 'src/cli/kumactl/install/testdata';

export function installCp(argv: string[], stdin?: string): Promise<KumactlRun> {
  return withHome((home) => runKumactl({ home, ...(stdin !== undefined && { stdin }) }, 'install', 'control-plane', ...argv));
}

export type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

export function documents(yaml: string): Doc[] {
  return parseAllDocuments(yaml).map((d) => {
    if (d.errors.length > 0) throw new Error(`invalid YAML document: ${d.errors[0]?.message ?? ''}`);
    return d.toJS() as Doc;
  });
}

export function find(docs: Doc[], kind: string, name?: string): Doc {
  const d = docs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!d) throw new Error(`no ${kind}${name ? ` ${name}` : ''} in the output`);
  return d;
}

interface Container {
  env: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  [k: string]: unknown;
}

/** The control-plane container, its env as a map, and the pod's Secret volumes as name → secretName. */
export function controlPlanePod(docs: Doc[]): { container: Container; env: Map<string, string>; secretVolumes: Map<string, string> } {
  const spec = (find(docs, 'Deployment') as unknown as { spec: { template: { spec: { containers: Container[]; volumes: { name: string; secret?: { secretName: string } }[] } } } }).spec.template.spec;
  const container = spec.containers.find((c) => c['name'] === 'control-plane') as Container;
  const env = new Map(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
  const secretVolumes = new Map(spec.volumes.filter((v) => v.secret).map((v) => [v.name, (v.secret as { secretName: string }).secretName]));
  return { container, env, secretVolumes };
}

/** The generated Secret's values (base64 as rendered), when there is one. */
export function generatedSecret(docs: Doc[]): { tlsCrt: string; tlsKey: string; caCrt: string } | undefined {
  const secret = docs.find((d) => d.kind === 'Secret' && d['type'] === 'kubernetes.io/tls' && d.metadata.name.endsWith('-tls-cert'));
  if (!secret) return undefined;
  const data = secret['data'] as Record<string, string>;
  return { tlsCrt: data['tls.crt'] as string, tlsKey: data['tls.key'] as string, caCrt: data['ca.crt'] as string };
}

/** Output with the generated certificate, key, CA and the checksum over them replaced by placeholders. */
export function normalise(stdout: string): string {
  const gen = generatedSecret(documents(stdout));
  let out = stdout;
  if (gen) {
    out = out.split(gen.tlsCrt).join('<generated tls.crt>').split(gen.tlsKey).join('<generated tls.key>').split(gen.caCrt).join('<generated ca.crt>');
  }
  // image tags default to the build's version: keep goldens valid across releases
  out = out.split(`:${VERSION}\n`).join(':<kumactl version>\n');
  return out.replace(/(checksum\/tls-secrets: )[0-9a-f]{64}/, '$1<sha256 of secrets and webhooks>');
}
