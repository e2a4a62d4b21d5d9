import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../core/resources/index.js';
import type { Authorizer } from '../../proxy/mtls/authorization.js';
import { compileDataplanePermissions, type DataplanePermissions } from './compile.js';
import { decide, peerIdentityFromUriSans, type InboundPermissions, type PeerIdentity } from './decision.js';
import type { PolicyLike } from './policy-selection.js';

const MESH_ON = { meta: { name: 'default' }, spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } } };
const MESH_OFF = { meta: { name: 'default' }, spec: {} };

interface InboundSpec {
  port: number;
  tags: Record<string, string>;
  name?: string;
}

function dataplane(name: string, inbounds: InboundSpec[], labels: Record<string, string> = {}) {
  return { meta: { name, mesh: 'default', labels }, spec: { networking: { address: '10.0.0.1', inbound: inbounds as unknown as JsonObject[] } } };
}

const mtp = (name: string, spec: JsonObject, labels: Record<string, string> = {}): PolicyLike => ({ meta: { name, mesh: 'default', labels }, spec });

/** The URI SANs our identity certificates carry for these services and tags. */
function client(services: string[], tags: Record<string, string> = {}, opts: { mesh?: string; sni?: string } = {}): PeerIdentity {
  const mesh = opts.mesh ?? 'default';
  const uris = [...services.map((s) => `spiffe://${mesh}/${s}`), ...services.map((s) => `kuma://kuma.io/service/${s}`), ...Object.entries(tags).map(([k, v]) => `kuma://${k}/${v}`)];
  return peerIdentityFromUriSans(uris, opts.sni);
}

function verdict(perms: InboundPermissions, peer: PeerIdentity): string {
  const d = decide(perms, peer);
  return d.action === 'allow' && d.shadowDeny ? 'allow+shadow' : d.action;
}

const compile = (policies: PolicyLike[], dp = dataplane('backend-1', [{ port: 8080, tags: { 'kuma.io/service': 'backend' } }]), mesh: { meta: { name: string }; spec: JsonObject } = MESH_ON): DataplanePermissions =>
  compileDataplanePermissions({ mesh, dataplane: dp, policies });

const first = (p: DataplanePermissions): InboundPermissions => p.inbounds[0] as InboundPermissions;

describe('compileDataplanePermissions + decide', () => {
  it('mesh mTLS off: MeshTrafficPermission does not apply, everything is allowed', () => {
    const perms = compile([mtp('deny-all', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } }] })], undefined, MESH_OFF);
    assert.equal(perms.mtlsEnabled, false);
    assert.equal(first(perms).source, 'mtls-disabled');
    const d = decide(first(perms), client([]));
    assert.deepEqual([d.action, d.reason], ['allow', 'allowed: mesh mTLS is disabled']);
  });

  it('mTLS on and no MeshTrafficPermission: deny all (no default allow-all policy in Kuma 2.x)', () => {
    const perms = compile([]);
    assert.deepEqual(first(perms), { inbound: '10.0.0.1:8080', address: '10.0.0.1', port: 8080, source: 'no-policy', rules: [], otherwise: 'deny' });
    const d = decide(first(perms), client(['frontend']));
    assert.deepEqual([d.action, d.ruleIndex, d.rule, d.reason], ['deny', -1, 'no MeshTrafficPermission (deny all)', 'denied: no MeshTrafficPermission selects this inbound (mTLS is on)']);
  });

  it("the spec's example: MeshService backend, from Mesh Deny then MeshSubset frontend Allow", () => {
    const policy = mtp('allow-frontend-to-backend', {
      targetRef: { kind: 'MeshService', name: 'backend' },
      from: [
        { targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } },
        { targetRef: { kind: 'MeshSubset', tags: { 'kuma.io/service': 'frontend' } }, default: { action: 'Allow' } },
      ],
    });
    const perms = first(compile([policy]));
    assert.equal(perms.source, 'from');
    assert.equal(verdict(perms, client(['frontend'])), 'allow');
    assert.equal(verdict(perms, client(['web'])), 'deny');
    assert.equal(verdict(perms, client([])), 'deny');
    assert.equal(verdict(perms, client(['frontend'], {}, { mesh: 'other' })), 'deny');
    const d = decide(perms, client(['frontend']));
    assert.deepEqual([d.origin, d.rule], [['allow-frontend-to-backend'], 'MeshTrafficPermission/allow-frontend-to-backend']);
    assert.match(d.reason, /^allowed by rule 0 \(allow from MeshTrafficPermission allow-frontend-to-backend\)$/);
    // Another service's proxy is not selected by it: deny all there.
    const web = first(compile([policy], dataplane('web-1', [{ port: 8080, tags: { 'kuma.io/service': 'web' } }])));
    assert.equal(web.source, 'no-policy');
  });

  it('the principal of kuma.io/service is the SPIFFE ID, other tags are kuma:// SANs; negated tags', () => {
    const perms = first(
      compile([
        mtp('p', {
          from: [
            { targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } },
            { targetRef: { kind: 'MeshServiceSubset', name: 'web', tags: { version: 'v1' } }, default: { action: 'Deny' } },
          ],
        }),
      ]),
    );
    assert.equal(verdict(perms, client(['web'], { version: 'v1' })), 'deny');
    assert.equal(verdict(perms, client(['web'], { version: 'v2' })), 'allow');
    assert.equal(verdict(perms, client(['web'])), 'allow');
    assert.equal(verdict(perms, client(['api'], { version: 'v1' })), 'allow');
    // The rules as the proxy receives them: most specific first, each an AND of (possibly negated) SAN tests.
    assert.deepEqual(perms.rules.map((r) => [r.action, r.anyOf]), [
      ['deny', [[{ type: 'spiffeIdExact', value: 'spiffe://default/web' }, { type: 'kumaTag', key: 'version', value: 'v1' }]]],
      ['allow', [[{ type: 'spiffeIdExact', value: 'spiffe://default/web', not: true }, { type: 'kumaTag', key: 'version', value: 'v1' }]]],
      ['allow', [[{ type: 'spiffeIdExact', value: 'spiffe://default/web' }, { type: 'kumaTag', key: 'version', value: 'v1', not: true }]]],
      ['allow', [[{ type: 'spiffeIdExact', value: 'spiffe://default/web', not: true }, { type: 'kumaTag', key: 'version', value: 'v1', not: true }]]],
    ]);
  });

  it('policy order: a MeshService policy overrides a Mesh policy; among equals the smallest name is applied last (Kuma #8484)', () => {
    const allowAll = mtp('allow-all', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] });
    const denyBackend = mtp('zzz-deny-backend', { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } }] });
    assert.equal(verdict(first(compile([denyBackend, allowAll])), client(['web'])), 'deny');
    const other = first(compile([denyBackend, allowAll], dataplane('web-1', [{ port: 80, tags: { 'kuma.io/service': 'web' } }])));
    assert.equal(verdict(other, client(['api'])), 'allow');

    // rules/from mtp-overrides: same targetRef, so names decide; "default-demo-app" < "default-demo-app-a" is applied last.
    const target = { kind: 'MeshSubset', tags: { 'k8s.kuma.io/service-name': 'demo-app' } };
    const deny = (name: string): PolicyLike => mtp(name, { targetRef: target, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } }] });
    const allowUi = (name: string): PolicyLike => mtp(name, { targetRef: target, from: [{ targetRef: { kind: 'MeshSubset', tags: { 'app.kubernetes.io/name': 'ui' } }, default: { action: 'Allow' } }] });
    const dp = dataplane('demo-app-1', [{ port: 80, tags: { 'kuma.io/service': 'demo-app', 'k8s.kuma.io/service-name': 'demo-app' } }]);
    const ui = client(['ui'], { 'app.kubernetes.io/name': 'ui' });
    assert.equal(verdict(first(compile([deny('default-demo-app'), allowUi('default-demo-app-a')], dp)), ui), 'deny');
    assert.equal(verdict(first(compile([deny('default-demo-app-b'), allowUi('default-demo-app-a')], dp)), ui), 'allow');
  });

  it('AllowWithShadowDeny: allowed, flagged for logging; the more specific Deny wins (rules/from mtp-single-shadow-deny)', () => {
    // Kuma's Envoy RBAC ORs every allow principal, and the cell "not c" of one group would let a and
    // b in; first match over Kuma's ordered rules denies them, as the policy says.
    const perms = first(
      compile([
        mtp('mtp', {
          from: [
            { targetRef: { kind: 'Mesh' }, default: { action: 'AllowWithShadowDeny' } },
            { targetRef: { kind: 'MeshService', name: 'a' }, default: { action: 'Deny' } },
            { targetRef: { kind: 'MeshService', name: 'b' }, default: { action: 'Deny' } },
            { targetRef: { kind: 'MeshService', name: 'c' }, default: { action: 'Allow' } },
          ],
        }),
      ]),
    );
    const table = ['a', 'b', 'c', 'd'].map((s) => `${s}:${verdict(perms, client([s]))}`);
    assert.deepEqual(table, ['a:deny', 'b:deny', 'c:allow', 'd:allow+shadow']);
  });

  it('rules[] form: deny matches first across every policy, then allow, default deny (rbac_configurer_test)', () => {
    const bySpiffe = mtp('by-spiffe', {
      targetRef: { kind: 'Mesh' },
      rules: [{ default: { deny: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/legacy' } }], allow: [{ spiffeID: { type: 'Prefix', value: 'spiffe://default/' } }] } }],
    });
    const perms = first(compile([bySpiffe]));
    assert.equal(perms.source, 'rules');
    assert.deepEqual(['legacy', 'web'].map((s) => verdict(perms, client([s]))), ['deny', 'allow']);
    assert.equal(verdict(perms, client(['web'], {}, { mesh: 'other' })), 'deny');

    // "more specific deny prefixes precede broader allow prefixes across merged policies"
    const allowBroad = mtp('mtp-1', { targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ default: { allow: [{ spiffeID: { type: 'Prefix', value: 'spiffe://default/' } }] } }] });
    const denyNarrow = mtp('mtp-2', { targetRef: { kind: 'Mesh' }, rules: [{ default: { deny: [{ spiffeID: { type: 'Prefix', value: 'spiffe://default/kuma-demo' } }] } }] });
    const merged = first(compile([allowBroad, denyNarrow]));
    assert.deepEqual(merged.rules.map((r) => `${r.action}:${r.origin.join()}`), ['deny:mtp-2', 'allow:mtp-1']);
    assert.equal(verdict(merged, client(['kuma-demo-web'])), 'deny');
    assert.equal(verdict(merged, client(['web'])), 'allow');
  });

  it('rules[] form: spiffeID and sni in one match are an AND, several matches an OR; shadow deny', () => {
    const perms = first(
      compile([
        mtp('sni', {
          rules: [
            {
              default: {
                allow: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/web' }, sni: { type: 'Exact', value: 'backend.mesh' } }, { sni: { type: 'Exact', value: 'public.backend' } }],
                allowWithShadowDeny: [{ spiffeID: { type: 'Prefix', value: 'spiffe://default/canary' } }],
              },
            },
          ],
        }),
      ]),
    );
    assert.equal(verdict(perms, client(['web'], {}, { sni: 'backend.mesh' })), 'allow');
    assert.equal(verdict(perms, client(['web'])), 'deny');
    assert.equal(verdict(perms, client(['api'], {}, { sni: 'public.backend' })), 'allow');
    assert.equal(verdict(perms, client(['canary-web'])), 'allow+shadow');
  });

  it('rules[] form: Exact works on identity certificates with several URI SANs (Envoy would compare the joined list)', () => {
    const perms = first(compile([mtp('exact', { rules: [{ default: { allow: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/web-api' } }] } }] })]));
    assert.equal(verdict(perms, client(['web', 'web-api'], { version: 'v1' })), 'allow');
  });

  it('on one inbound, policies with rules[] take over and from[] entries are ignored (as in Kuma)', () => {
    const fromAllowAll = mtp('from-allow-all', { from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] });
    const rulesWebOnly = mtp('rules-web', { rules: [{ default: { allow: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/web' } }] } }] });
    const perms = first(compile([fromAllowAll, rulesWebOnly]));
    assert.equal(perms.source, 'rules');
    assert.deepEqual(['web', 'api'].map((s) => verdict(perms, client([s]))), ['allow', 'deny']);
  });

  it('targetRef Dataplane with sectionName and labels selects inbounds of one proxy; shadow-effect policies are skipped', () => {
    const dp = dataplane(
      'backend-1',
      [
        { port: 8080, tags: { 'kuma.io/service': 'backend' }, name: 'http' },
        { port: 9090, tags: { 'kuma.io/service': 'backend-admin' } },
      ],
      { team: 'payments' },
    );
    const allow = { from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] };
    const bySection = compile([mtp('http-only', { targetRef: { kind: 'Dataplane', labels: { team: 'payments' }, sectionName: 'http' }, ...allow })], dp);
    assert.deepEqual(bySection.inbounds.map((i) => `${i.inbound}:${i.source}`), ['10.0.0.1:8080:from', '10.0.0.1:9090:no-policy']);
    const byPort = compile([mtp('admin', { targetRef: { kind: 'Dataplane', name: 'backend-1', sectionName: '9090' }, ...allow })], dp);
    assert.deepEqual(byPort.inbounds.map((i) => i.source), ['no-policy', 'from']);
    const otherLabels = compile([mtp('other-team', { targetRef: { kind: 'Dataplane', labels: { team: 'web' } }, ...allow })], dp);
    assert.deepEqual(otherLabels.inbounds.map((i) => i.source), ['no-policy', 'no-policy']);
    const shadowed = compile([mtp('trial', { targetRef: { kind: 'Mesh' }, ...allow }, { 'kuma.io/effect': 'shadow' })], dp);
    assert.deepEqual(shadowed.inbounds.map((i) => i.source), ['no-policy', 'no-policy']);
    const gatewaysOnly = compile([mtp('gw', { targetRef: { kind: 'Mesh', proxyTypes: ['Gateway'] }, ...allow })], dp);
    assert.deepEqual(gatewaysOnly.inbounds.map((i) => i.source), ['no-policy', 'no-policy']);
  });

  it('MeshSubset targetRef selects by inbound tags; the decision survives a JSON round trip', () => {
    const dp = dataplane('backend-1', [
      { port: 8080, tags: { 'kuma.io/service': 'backend', version: 'v1' } },
      { port: 8081, tags: { 'kuma.io/service': 'backend', version: 'v2' } },
    ]);
    const perms = compile([mtp('v1-from-v1', { targetRef: { kind: 'MeshSubset', tags: { version: 'v1' } }, from: [{ targetRef: { kind: 'MeshSubset', tags: { version: 'v1' } }, default: { action: 'Allow' } }] })], dp);
    const wire = JSON.parse(JSON.stringify(perms)) as DataplanePermissions;
    const [v1, v2] = wire.inbounds as [InboundPermissions, InboundPermissions];
    assert.equal(verdict(v1, client(['web'], { version: 'v1' })), 'allow');
    assert.equal(verdict(v1, client(['web'], { version: 'v2' })), 'deny');
    assert.equal(v2.source, 'no-policy');
  });

  it('peerIdentityFromUriSans splits SPIFFE IDs and kuma:// tags (keys may contain a slash)', () => {
    assert.deepEqual(peerIdentityFromUriSans(['spiffe://default/web', 'kuma://kuma.io/service/web', 'kuma://version/v1', 'https://x/y', 'kuma://broken'], 'a.b'), {
      spiffeIds: ['spiffe://default/web'],
      kumaTags: { 'kuma.io/service': ['web'], version: ['v1'] },
      sni: 'a.b',
    });
  });

  it("plugs into the proxy's Authorizer as it is (contract with src/proxy/mtls)", () => {
    const perms = first(compile([mtp('web-only', { rules: [{ default: { allow: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/web' } }] } }] })]));
    const authorize: Authorizer = (request) => decide(perms, request);
    const uris = ['spiffe://default/web', 'kuma://kuma.io/service/web'];
    assert.deepEqual(authorize({ ...peerIdentityFromUriSans(uris), uriSans: uris, sni: undefined }).action, 'allow');
  });

  it('an unknown condition type from a newer control plane grants nothing', () => {
    const perms: InboundPermissions = {
      inbound: 'x:1',
      address: 'x',
      port: 1,
      source: 'rules',
      otherwise: 'deny',
      rules: [{ action: 'allow', anyOf: [[{ type: 'future' } as never]], origin: ['p'] }],
    };
    assert.equal(decide(perms, client(['web'])).action, 'deny');
  });
});
