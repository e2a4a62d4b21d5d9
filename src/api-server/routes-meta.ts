import type { FastifyReply, FastifyRequest } from 'fastify';
import { redactKumaCpConfig } from '../config/kuma-cp-config.js';
import { GlobalToZones, hasFlag, type ResourceTypeDescriptor } from '../core/resources/descriptor.js';
import { PRODUCT, VERSION } from '../core/version.js';
import { type ApiContext, sendError, sendJson } from './context.js';
import { toJson } from './json-body.js';

// `GET /`, `/config`, `/who-am-i`, `/_resources`.

/** Policy facts `_resources` shows that the descriptors do not carry (Kuma's generated descriptors). */
const POLICY_FACTS: Record<string, Record<string, boolean>> = {
  MeshTrafficPermission: { hasFromTargetRef: true, hasRulesTargetRef: true, hasToTargetRef: false, isFromAsRules: false, isTargetRef: true },
};
const NO_POLICY_FACTS = { hasFromTargetRef: false, hasRulesTargetRef: false, hasToTargetRef: false, isFromAsRules: false, isTargetRef: false };

/** Kuma's MapResourceTypeDescription: sorted by name, keys in the golden's order. */
export function resourceTypeDescriptions(descs: readonly ResourceTypeDescriptor[], readOnly: boolean, federatedZone: boolean): unknown {
  const resources = [...descs]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((d) => {
      const out: Record<string, unknown> = {
        includeInFederation: hasFlag(d.kdsFlags, GlobalToZones) && !d.readOnly,
        name: d.name,
        path: d.wsPath,
        pluralDisplayName: d.pluralDisplayName,
      };
      if (d.isPolicy) out['policy'] = POLICY_FACTS[d.name] ?? NO_POLICY_FACTS;
      out['readOnly'] = readOnly || federatedZone || d.readOnly;
      out['scope'] = d.scope === 'mesh' ? 'Mesh' : 'Global';
      out['shortName'] = d.shortName;
      out['singularDisplayName'] = d.singularDisplayName;
      return out;
    });
  return { resources };
}

type Add = (method: 'GET', path: string, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<void>) => void;

export function registerMetaRoutes(ctx: ApiContext, add: Add): void {
  const base = ctx.basePath;
  const { hostname, instanceId } = ctx.instance;
  // kuma-ts serves no GUI, so it does not advertise one (Kuma: gui.rootUrl or gui.basePath).
  const index = toJson({ hostname, product: PRODUCT, version: VERSION, instanceId, clusterId: ctx.instance.clusterId ?? '', gui: '' });
  add('GET', base, async (_req, reply) => {
    sendJson(reply, 200, index);
  });

  // Rendered once: the config does not change while the process runs.
  const config = JSON.stringify(redactKumaCpConfig(ctx.config));
  add('GET', `${base}config`, async (req, reply) => {
    try {
      ctx.access.checkControlPlaneMetadata(req.apiUser);
      sendJson(reply, 200, config);
    } catch (err) {
      sendError(ctx, reply, err, 'Access denied');
    }
  });

  add('GET', `${base}who-am-i`, async (req, reply) => {
    sendJson(reply, 200, toJson({ name: req.apiUser.name, groups: req.apiUser.groups }));
  });

  const resources = toJson(resourceTypeDescriptions(ctx.registry.all(), ctx.cp.readOnly, ctx.cp.federatedZone));
  add('GET', `${base}_resources`, async (_req, reply) => {
    sendJson(reply, 200, resources);
  });
}
