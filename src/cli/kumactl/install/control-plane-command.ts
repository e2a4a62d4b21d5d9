import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { messageOf } from '../../../core/errors.js';
import { VERSION } from '../../../core/version.js';
import {
  InstallError,
  buildValues,
  defaultInstallArgs,
  manifestsToYaml,
  renderControlPlane,
  valuesFromDocument,
  type InstallArgs,
  type Values,
} from '../../../install/index.js';
import type { CliIo } from '../../io.js';
import { CliError, collectList, configure } from '../../program.js';
import { stringToStringFlag } from '../flags.js';
import type { KumactlContext } from '../kumactl-context.js';

interface Flags {
  namespace: string;
  mode: string;
  zone?: string;
  kdsGlobalAddress?: string;
  tlsGeneralSecret?: string;
  tlsGeneralCaSecret?: string;
  tlsGeneralCaBundle?: string;
  tlsApiServerSecret?: string;
  tlsApiServerClientCertsSecret?: string;
  tlsKdsGlobalServerSecret?: string;
  tlsKdsZoneClientSecret?: string;
  controlPlaneServiceName: string;
  version?: string;
  registry: string;
  controlPlaneRegistry?: string;
  controlPlaneRepository: string;
  controlPlaneVersion?: string;
  dataplaneRegistry?: string;
  dataplaneRepository: string;
  dataplaneVersion?: string;
  dataplaneInitRegistry?: string;
  dataplaneInitRepository: string;
  dataplaneInitVersion?: string;
  imagePullPolicy: string;
  injectorFailurePolicy: string;
  envVar?: Record<string, string>;
  controlPlaneNodeSelector?: Record<string, string>;
  useNodePort: boolean;
  values?: string[];
  set?: string[];
  dumpValues: boolean;
}

const NOT_RENDERED = `kuma-ts renders: Namespace, ServiceAccount, RBAC, the general TLS Secret (generated
when --tls-general-secret is empty), ConfigMap, Services, the control plane
Deployment and the admission webhook configurations. It does not render CRDs,
CNI, zone ingress/egress, cert-manager resources, universal-on-Kubernetes
(Postgres), HPA/PDB/Ingress/ServiceMonitor or Helm hooks: values asking for them
are refused. Nothing is looked up in the cluster, so a generated certificate is
new on every run (keep the rendered Secret, or bring your own with
--tls-general-secret and --tls-general-ca-bundle).`;

/**
 * `kumactl install control-plane`: Kuma's Helm chart rendered to stdout as multi-document YAML.
 * Flags become Helm values (Kuma's names and defaults), `--values` files merge over them and
 * `--set` applies last; the renderer reads only that tree.
 */
export function controlPlaneCommand(io: CliIo, ctx: KumactlContext): Command {
  const d = defaultInstallArgs(VERSION);
  return configure(new Command('control-plane'), io)
    .description('Install Kuma Control Plane on Kubernetes in its own namespace (prints the manifests: pipe them to kubectl apply -f -)')
    .option('--namespace <name>', 'namespace to install Kuma Control Plane to', 'kuma-system')
    .option('--mode <mode>', 'kuma cp modes: one of standalone|zone|global', d.mode)
    .option('--zone <name>', 'set the Kuma zone name')
    .option('--kds-global-address <url>', 'URL of Global Kuma CP (example: grpcs://192.168.0.1:5685)')
    .option('--tls-general-secret <name>', 'Secret that contains tls.crt, tls.key [and ca.crt when no --tls-general-ca-secret specified] for protecting Kuma in-cluster communication')
    .option('--tls-general-ca-secret <name>', 'Secret that contains ca.crt that was used to sign cert for protecting Kuma in-cluster communication (ca.crt present in this secret have precedence over the one provided in --tls-general-secret)')
    .option('--tls-general-ca-bundle <base64>', 'Base64 encoded CA certificate (the same as in controlPlane.tls.general.secret#ca.crt)')
    .option('--tls-api-server-secret <name>', 'Secret that contains tls.crt, tls.key for protecting Kuma API on HTTPS')
    .option('--tls-api-server-client-certs-secret <name>', 'Secret that contains list of .pem certificates that can access admin endpoints of Kuma API on HTTPS')
    .option('--tls-kds-global-server-secret <name>', 'Secret that contains tls.crt, tls.key for protecting cross cluster communication')
    .option('--tls-kds-zone-client-secret <name>', 'Secret that contains ca.crt which was used to sign KDS Global server. Used for CP verification')
    .option('--control-plane-service-name <name>', 'Service name of the Kuma Control Plane', d.controlPlaneServiceName)
    .option('--version <version>', "version of Kuma Control Plane components (default: this kumactl's version)")
    .option('--registry <registry>', 'registry for all images', d.registry)
    .option('--control-plane-registry <registry>', 'registry for the image of the Kuma Control Plane component')
    .option('--control-plane-repository <repo>', 'repository for the image of the Kuma Control Plane component', d.controlPlaneRepository)
    .option('--control-plane-version <version>', 'version of the image of the Kuma Control Plane component')
    .option('--dataplane-registry <registry>', 'registry for the image of the Kuma DataPlane component')
    .option('--dataplane-repository <repo>', 'repository for the image of the Kuma DataPlane component', d.dataplaneRepository)
    .option('--dataplane-version <version>', 'version of the image of the Kuma DataPlane component')
    .option('--dataplane-init-registry <registry>', 'registry for the init image of the Kuma DataPlane component')
    .option('--dataplane-init-repository <repo>', 'repository for the init image of the Kuma DataPlane component', d.dataplaneInitRepository)
    .option('--dataplane-init-version <version>', 'version of the init image of the Kuma DataPlane component')
    .option('--image-pull-policy <policy>', 'image pull policy that applies to all components of the Kuma Control Plane', d.imagePullPolicy)
    .option('--injector-failure-policy <policy>', 'failure policy of the mutating web hook implemented by the Kuma Injector component', d.injectorFailurePolicy)
    .option('--env-var <k=v>', 'environment variables that will be passed to the control plane (repeatable, k1=v1,k2=v2)', stringToStringFlag('--env-var'))
    .option('--control-plane-node-selector <k=v>', 'node selector for Kuma Control Plane', stringToStringFlag('--control-plane-node-selector'))
    .option('--use-node-port', 'use NodePort instead of LoadBalancer (global zone sync Service, mode global)', false)
    .option('-f, --values <file>', "specify values in a YAML file or '-' for stdin (repeatable). This is similar to `helm template <chart> -f ...`", collectList)
    .option('--set <a.b.c=v>', 'set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2), This is similar to `helm template <chart> --set ...`', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--dump-values', 'output the merged values (chart defaults, flags, --values, --set) instead of the manifests', false)
    .allowExcessArguments(true)
    .addHelpText(
      'after',
      `
Examples:
  kumactl install control-plane | kubectl apply -f -
  kumactl install control-plane --tls-general-secret=general-tls-certs --tls-general-ca-bundle="$(base64 < /tmp/ca.crt | tr -d '\\n')"
  kumactl install control-plane --mode=global --tls-kds-global-server-secret=kds-server-tls
  kumactl install control-plane --mode=zone --zone=zone-1 --kds-global-address=grpcs://<global-kds-address>:5685 --tls-kds-zone-client-secret=kds-ca-certs
  kumactl install control-plane --values values.yaml --set controlPlane.tls.apiServer.secretName=api-server-tls

${NOT_RENDERED}`,
    )
    .action(async (flags: Flags, command: Command) => {
      const caBundle = joinSplitCaBundle(flags.tlsGeneralCaBundle ?? '', command.args);
      const args = toArgs(flags, caBundle);
      const files: Values[] = [];
      for (const path of flags.values ?? []) files.push(await readValuesFile(path, ctx));
      const values = buildValues({ args, files, sets: flags.set ?? [] });
      if (flags.dumpValues) {
        io.out(stringify(values, { lineWidth: 0, aliasDuplicateObjects: false }));
        return;
      }
      const { manifests, warnings } = await renderControlPlane(values, { namespace: flags.namespace, appVersion: VERSION });
      for (const w of warnings) io.err(`WARNING: ${w}\n`);
      io.out(manifestsToYaml(manifests));
    });
}

/** Flags → Kuma's InstallArgs: `--version` sets every component version not given on its own. */
function toArgs(f: Flags, caBundle: string): InstallArgs {
  const version = f.version ?? VERSION;
  return {
    mode: f.mode,
    zone: f.zone ?? '',
    kdsGlobalAddress: f.kdsGlobalAddress ?? '',
    tlsGeneralSecret: f.tlsGeneralSecret ?? '',
    tlsGeneralCaSecret: f.tlsGeneralCaSecret ?? '',
    tlsGeneralCaBundle: caBundle,
    tlsApiServerSecret: f.tlsApiServerSecret ?? '',
    tlsApiServerClientCertsSecret: f.tlsApiServerClientCertsSecret ?? '',
    tlsKdsGlobalServerSecret: f.tlsKdsGlobalServerSecret ?? '',
    tlsKdsZoneClientSecret: f.tlsKdsZoneClientSecret ?? '',
    controlPlaneServiceName: f.controlPlaneServiceName,
    registry: f.registry,
    controlPlaneRegistry: f.controlPlaneRegistry ?? '',
    controlPlaneRepository: f.controlPlaneRepository,
    controlPlaneVersion: f.controlPlaneVersion ?? version,
    dataplaneRegistry: f.dataplaneRegistry ?? '',
    dataplaneRepository: f.dataplaneRepository,
    dataplaneVersion: f.dataplaneVersion ?? version,
    dataplaneInitRegistry: f.dataplaneInitRegistry ?? '',
    dataplaneInitRepository: f.dataplaneInitRepository,
    dataplaneInitVersion: f.dataplaneInitVersion ?? version,
    imagePullPolicy: f.imagePullPolicy,
    injectorFailurePolicy: f.injectorFailurePolicy,
    envVars: { ...(f.envVar ?? {}) },
    controlPlaneNodeSelector: { ...(f.controlPlaneNodeSelector ?? {}) },
    useNodePort: f.useNodePort,
  };
}

const BASE64_PIECE = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The seed page writes `--tls-general-ca-bundle=$(cat /tmp/ca.crt | base64)`. GNU base64 wraps at
 * 76 columns and the unquoted substitution splits there, so the bundle arrives as the flag plus
 * one argument per line. Kuma (cobra) silently keeps only the first line; we join the pieces back
 * (the result is then checked as base64 PEM). Anything else left over is an error.
 */
function joinSplitCaBundle(bundle: string, extra: readonly string[]): string {
  if (extra.length === 0) return bundle;
  if (bundle !== '' && extra.every((a) => BASE64_PIECE.test(a))) return bundle + extra.join('');
  throw new CliError(`unexpected arguments: ${extra.join(' ')} (kumactl install control-plane takes only flags; quote flag values that contain spaces or newlines)`);
}

async function readValuesFile(path: string, ctx: KumactlContext): Promise<Values> {
  let text: string;
  try {
    text = path.trim() === '-' ? await ctx.readStdin() : await readFile(path, 'utf8');
  } catch (err) {
    throw new InstallError('ERR_INSTALL_VALUES_FILE', `could not read values file ${path}: ${messageOf(err)}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new InstallError('ERR_INSTALL_VALUES_FILE', `failed to parse ${path}: ${messageOf(err).split('\n')[0] ?? ''}`);
  }
  return valuesFromDocument(doc, path);
}
