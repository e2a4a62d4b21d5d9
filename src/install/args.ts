/**
 * Kuma's `kumactl install control-plane` flags and how they become Helm values
 * (app/kumactl/cmd/install/context/install_control_plane_context.go): every flag sets its value,
 * defaults included, then `--values` files merge over them, then `--set` applies last. The
 * renderer reads only the resulting tree, so the flag form and the Helm-values form are one.
 */
import { InstallError } from './errors.js';
import { applySet } from './set-values.js';
import { defaultValues, isMap, mergeValues, stringAt, type Values } from './values.js';

export interface InstallArgs {
  mode: string;
  zone: string;
  kdsGlobalAddress: string;
  tlsGeneralSecret: string;
  tlsGeneralCaSecret: string;
  tlsGeneralCaBundle: string;
  tlsApiServerSecret: string;
  tlsApiServerClientCertsSecret: string;
  tlsKdsGlobalServerSecret: string;
  tlsKdsZoneClientSecret: string;
  controlPlaneServiceName: string;
  registry: string;
  controlPlaneRegistry: string;
  controlPlaneRepository: string;
  controlPlaneVersion: string;
  dataplaneRegistry: string;
  dataplaneRepository: string;
  dataplaneVersion: string;
  dataplaneInitRegistry: string;
  dataplaneInitRepository: string;
  dataplaneInitVersion: string;
  imagePullPolicy: string;
  injectorFailurePolicy: string;
  envVars: Record<string, string>;
  controlPlaneNodeSelector: Record<string, string>;
  /** Global only: the global zone sync Service becomes NodePort instead of LoadBalancer. */
  useNodePort: boolean;
}

/** The flag defaults; every image tag defaults to `version` (the build's, like Kuma's). */
export function defaultInstallArgs(version: string): InstallArgs {
  return {
    mode: 'zone',
    zone: '',
    kdsGlobalAddress: '',
    tlsGeneralSecret: '',
    tlsGeneralCaSecret: '',
    tlsGeneralCaBundle: '',
    tlsApiServerSecret: '',
    tlsApiServerClientCertsSecret: '',
    tlsKdsGlobalServerSecret: '',
    tlsKdsZoneClientSecret: '',
    controlPlaneServiceName: 'kuma-control-plane',
    registry: 'docker.io/kumahq',
    controlPlaneRegistry: '',
    controlPlaneRepository: 'kuma-cp',
    controlPlaneVersion: version,
    dataplaneRegistry: '',
    dataplaneRepository: 'kuma-dp',
    dataplaneVersion: version,
    dataplaneInitRegistry: '',
    dataplaneInitRepository: 'kuma-init',
    dataplaneInitVersion: version,
    imagePullPolicy: 'IfNotPresent',
    injectorFailurePolicy: 'Fail',
    envVars: {},
    controlPlaneNodeSelector: {},
    useNodePort: false,
  };
}

/** The values the flags set (Kuma's `helm:"..."` tags; registries only when given, as `omitempty`). */
export function argsToValues(a: InstallArgs): Values {
  const image = (registry: string, repository: string, tag: string): Values => ({ ...(registry !== '' ? { registry } : {}), repository, tag });
  return {
    global: { image: { registry: a.registry } },
    controlPlane: {
      mode: a.mode,
      zone: a.zone,
      kdsGlobalAddress: a.kdsGlobalAddress,
      image: { ...image(a.controlPlaneRegistry, a.controlPlaneRepository, a.controlPlaneVersion), pullPolicy: a.imagePullPolicy },
      service: { name: a.controlPlaneServiceName },
      injectorFailurePolicy: a.injectorFailurePolicy,
      envVars: { ...a.envVars },
      ...(Object.keys(a.controlPlaneNodeSelector).length > 0 ? { nodeSelector: { ...a.controlPlaneNodeSelector } } : {}),
      tls: {
        general: { secretName: a.tlsGeneralSecret, caSecretName: a.tlsGeneralCaSecret, caBundle: a.tlsGeneralCaBundle },
        apiServer: { secretName: a.tlsApiServerSecret, clientCertsSecretName: a.tlsApiServerClientCertsSecret },
        kdsGlobalServer: { secretName: a.tlsKdsGlobalServerSecret },
        kdsZoneClient: { secretName: a.tlsKdsZoneClientSecret },
      },
    },
    dataPlane: {
      image: image(a.dataplaneRegistry, a.dataplaneRepository, a.dataplaneVersion),
      initImage: image(a.dataplaneInitRegistry, a.dataplaneInitRepository, a.dataplaneInitVersion),
    },
  };
}

export interface ValueSources {
  args: InstallArgs;
  /** Parsed `--values` files, in command-line order. */
  files?: readonly Values[];
  /** `--set` arguments, in command-line order. */
  sets?: readonly string[];
}

/** chart defaults ← flags ← each `--values` file ← each `--set` (← `--use-node-port`, as Kuma applies it last). */
export function buildValues(src: ValueSources): Values {
  let tree = mergeValues(defaultValues(), argsToValues(src.args));
  for (const file of src.files ?? []) tree = mergeValues(tree, file);
  for (const expr of src.sets ?? []) applySet(tree, expr);
  if (src.args.useNodePort && src.args.mode === 'global') applySet(tree, 'controlPlane.globalZoneSyncService.type=NodePort');
  return tree;
}

/** A `--values` document as a tree; `source` names the file in errors. */
export function valuesFromDocument(doc: unknown, source: string): Values {
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) {
    throw new InstallError('ERR_INSTALL_VALUES_FILE', `failed to parse ${source}: a values file must be a YAML mapping of Helm values (like "controlPlane:\\n  mode: global"), not a ${Array.isArray(doc) ? 'list' : typeof doc}`);
  }
  return doc;
}

/** The release namespace and the kuma.name of the chart (nameOverride, else "kuma"). */
export function chartName(values: Values): string {
  const override = stringAt(values, 'nameOverride');
  return (override !== '' ? override : 'kuma').slice(0, 63).replace(/-+$/, '');
}
