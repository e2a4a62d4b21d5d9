/** Kubernetes manifests for `kumactl install control-plane` (pure functions; the CLI lives in cli/kumactl/install). */
export { InstallError, type InstallErrorCode } from './errors.js';
export { defaultValues, mergeValues, valueAt, stringAt, type Values } from './values.js';
export { applySet } from './set-values.js';
export { argsToValues, buildValues, defaultInstallArgs, valuesFromDocument, type InstallArgs, type ValueSources } from './args.js';
export { checkCaBundle, type CaBundleCheck } from './ca-bundle.js';
export { validateValues } from './validate.js';
export { readSettings, type InstallSettings, type TlsSettings } from './settings.js';
export { generateGeneralTls, type GeneralTls } from './general-tls.js';
export { renderControlPlane, manifestsToYaml, type RenderOptions, type RenderResult } from './render.js';
export { TLS_PATHS } from './manifests/control-plane-env.js';
export type { Manifest } from './manifests/common.js';
