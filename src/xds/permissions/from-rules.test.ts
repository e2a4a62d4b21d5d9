import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject, MtpAction } from '../../core/resources/index.js';
import { fromSubset } from './compile.js';
import { buildFromRules, type FromItem, type FromRule } from './from-rules.js';
import { connectedComponents, maximalCliques, sortGroups } from './groups.js';
import { intersect, isSubset, subsetCombinations, type Tag } from './subset.js';

// Kuma v2.14.3 pkg/plugins/policies/core/rules/testdata/rules/from/*.{input,golden}.yaml (MTP cases),
// each rule written as "[tags] Action origins"; policies in the order of the input file, as the
// Kuma test passes them to BuildFromRules.
interface GoldenCase {
  name: string;
  policies: { name: string; from: JsonObject[] }[];
  expected: string[];
}

const CASES: GoldenCase[] = [
  {
    name: "01",
    policies: [
      { name: "mtp-1", from: [{"targetRef": {"kind": "Mesh"}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"zone": "us-east"}}, "default": {"action": "Deny"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"env": "dev"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"env": "prod"}}, "default": {"action": "Allow"}}] },
    ],
    expected: [
      "[env=prod,zone=us-east] Allow mtp-1",
      "[env=dev,zone=us-east] Allow mtp-1",
      "[!env=prod,zone=us-east] Deny mtp-1",
      "[env=prod,!zone=us-east] Allow mtp-1",
      "[!env=dev,zone=us-east] Deny mtp-1",
      "[env=dev,!zone=us-east] Allow mtp-1",
      "[!env=prod,!zone=us-east] Allow mtp-1",
      "[!env=dev,!zone=us-east] Allow mtp-1",
    ],
  },
  {
    name: "02",
    policies: [
      { name: "mtp-1", from: [{"targetRef": {"kind": "MeshSubset", "tags": {"version": "v1"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"zone": "us-east"}}, "default": {"action": "Deny"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"env": "dev"}}, "default": {"action": "Allow"}}] },
    ],
    expected: [
      "[env=dev,version=v1,zone=us-east] Allow mtp-1",
      "[!env=dev,version=v1,zone=us-east] Deny mtp-1",
      "[env=dev,!version=v1,zone=us-east] Allow mtp-1",
      "[env=dev,version=v1,!zone=us-east] Allow mtp-1",
      "[!env=dev,!version=v1,zone=us-east] Deny mtp-1",
      "[!env=dev,version=v1,!zone=us-east] Allow mtp-1",
      "[env=dev,!version=v1,!zone=us-east] Allow mtp-1",
    ],
  },
  {
    name: "03",
    policies: [
      { name: "mtp-1", from: [{"targetRef": {"kind": "MeshService", "name": "backend"}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshService", "name": "web"}, "default": {"action": "Deny"}}, {"targetRef": {"kind": "MeshService", "name": "api"}, "default": {"action": "AllowWithShadowDeny"}}, {"targetRef": {"kind": "MeshService", "name": "orders"}, "default": {"action": "Deny"}}] },
    ],
    expected: [
      "[kuma.io/service=orders] Deny mtp-1",
      "[kuma.io/service=api] AllowWithShadowDeny mtp-1",
      "[kuma.io/service=web] Deny mtp-1",
      "[kuma.io/service=backend] Allow mtp-1",
    ],
  },
  {
    name: "06",
    policies: [
      { name: "mtp-allow-kuma-one", from: [{"targetRef": {"kind": "MeshSubset", "tags": {"k8s.kuma.io/namespace": "kuma-one"}}, "default": {"action": "Allow"}}] },
      { name: "mtp-allow-kuma-other-ns-and-tag", from: [{"targetRef": {"kind": "MeshSubset", "tags": {"abcd": "abcd", "k8s.kuma.io/namespace": "kuma-other"}}, "default": {"action": "Allow"}}] },
    ],
    expected: [
      "[abcd=abcd,k8s.kuma.io/namespace=kuma-other] Allow mtp-allow-kuma-other-ns-and-tag",
      "[k8s.kuma.io/namespace=kuma-one] Allow mtp-allow-kuma-one",
    ],
  },
  {
    name: "07",
    policies: [
      { name: "mtp-allow-kuma-one", from: [{"targetRef": {"kind": "MeshSubset", "tags": {"k8s.kuma.io/namespace": "kuma-one"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "demo", "k8s.kuma.io/namespace": "kuma-one"}}, "default": {"action": "Deny"}}] },
    ],
    expected: [
      "[app=demo,k8s.kuma.io/namespace=kuma-one] Deny mtp-allow-kuma-one",
      "[!app=demo,k8s.kuma.io/namespace=kuma-one] Allow mtp-allow-kuma-one",
    ],
  },
  {
    name: "mtp-long",
    policies: [
      { name: "mtp-allow-kuma-one", from: [{"targetRef": {"kind": "Mesh"}, "default": {"action": "AllowWithShadowDeny"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "app-1", "namespace": "ns-1"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "app-2", "namespace": "ns-2"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "app-3", "namespace": "ns-3"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "app-4", "namespace": "ns-4"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "app-5", "namespace": "ns-5"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "app-6", "namespace": "ns-6"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "app-7", "namespace": "ns-7"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "app-8", "namespace": "ns-8"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "app-9", "namespace": "ns-9"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"app": "app-10", "namespace": "ns-10"}}, "default": {"action": "Allow"}}] },
    ],
    expected: [
      "[app=app-9,namespace=ns-9] Allow mtp-allow-kuma-one",
      "[app=app-8,namespace=ns-8] Allow mtp-allow-kuma-one",
      "[app=app-7,namespace=ns-7] Allow mtp-allow-kuma-one",
      "[app=app-6,namespace=ns-6] Allow mtp-allow-kuma-one",
      "[app=app-5,namespace=ns-5] Allow mtp-allow-kuma-one",
      "[app=app-4,namespace=ns-4] Allow mtp-allow-kuma-one",
      "[app=app-3,namespace=ns-3] Allow mtp-allow-kuma-one",
      "[app=app-2,namespace=ns-2] Allow mtp-allow-kuma-one",
      "[app=app-10,namespace=ns-10] Allow mtp-allow-kuma-one",
      "[app=app-1,namespace=ns-1] Allow mtp-allow-kuma-one",
      "[!app=app-9,namespace=ns-9] AllowWithShadowDeny mtp-allow-kuma-one",
      "[app=app-9,!namespace=ns-9] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-8,namespace=ns-8] AllowWithShadowDeny mtp-allow-kuma-one",
      "[app=app-8,!namespace=ns-8] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-7,namespace=ns-7] AllowWithShadowDeny mtp-allow-kuma-one",
      "[app=app-7,!namespace=ns-7] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-6,namespace=ns-6] AllowWithShadowDeny mtp-allow-kuma-one",
      "[app=app-6,!namespace=ns-6] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-5,namespace=ns-5] AllowWithShadowDeny mtp-allow-kuma-one",
      "[app=app-5,!namespace=ns-5] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-4,namespace=ns-4] AllowWithShadowDeny mtp-allow-kuma-one",
      "[app=app-4,!namespace=ns-4] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-3,namespace=ns-3] AllowWithShadowDeny mtp-allow-kuma-one",
      "[app=app-3,!namespace=ns-3] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-2,namespace=ns-2] AllowWithShadowDeny mtp-allow-kuma-one",
      "[app=app-2,!namespace=ns-2] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-10,namespace=ns-10] AllowWithShadowDeny mtp-allow-kuma-one",
      "[app=app-10,!namespace=ns-10] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-1,namespace=ns-1] AllowWithShadowDeny mtp-allow-kuma-one",
      "[app=app-1,!namespace=ns-1] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-9,!namespace=ns-9] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-8,!namespace=ns-8] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-7,!namespace=ns-7] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-6,!namespace=ns-6] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-5,!namespace=ns-5] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-4,!namespace=ns-4] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-3,!namespace=ns-3] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-2,!namespace=ns-2] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-10,!namespace=ns-10] AllowWithShadowDeny mtp-allow-kuma-one",
      "[!app=app-1,!namespace=ns-1] AllowWithShadowDeny mtp-allow-kuma-one",
    ],
  },
  {
    name: "mtp-mix-ms-and-mss",
    policies: [
      { name: "mtp-1", from: [{"targetRef": {"kind": "MeshService", "name": "backend"}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshServiceSubset", "name": "web", "tags": {"version": "v1"}}, "default": {"action": "Deny"}}] },
    ],
    expected: [
      "[kuma.io/service=web,version=v1] Deny mtp-1",
      "[kuma.io/service=backend] Allow mtp-1",
    ],
  },
  {
    name: "mtp-overrides",
    policies: [
      { name: "default-demo-app", from: [{"default": {"action": "Deny"}, "targetRef": {"kind": "Mesh"}}] },
      { name: "default-demo-app-a", from: [{"default": {"action": "Allow"}, "targetRef": {"kind": "MeshSubset", "tags": {"app.kubernetes.io/name": "ui"}}}, {"default": {"action": "Allow"}, "targetRef": {"kind": "MeshSubset", "tags": {"app.kubernetes.io/name": "service-order"}}}, {"default": {"action": "Allow"}, "targetRef": {"kind": "MeshSubset", "tags": {"app.kubernetes.io/name": "service-payment"}}}] },
    ],
    expected: [
      "[app.kubernetes.io/name=service-payment] Allow default-demo-app/default-demo-app-a",
      "[app.kubernetes.io/name=service-order] Allow default-demo-app/default-demo-app-a",
      "[app.kubernetes.io/name=ui] Allow default-demo-app/default-demo-app-a",
      "[!app.kubernetes.io/name=service-payment] Deny default-demo-app",
      "[!app.kubernetes.io/name=service-order] Deny default-demo-app",
      "[!app.kubernetes.io/name=ui] Deny default-demo-app",
    ],
  },
  {
    name: "mtp-overrides-faulty",
    policies: [
      { name: "default-demo-app-a", from: [{"default": {"action": "Allow"}, "targetRef": {"kind": "MeshSubset", "tags": {"app.kubernetes.io/name": "ui"}}}, {"default": {"action": "Allow"}, "targetRef": {"kind": "MeshSubset", "tags": {"app.kubernetes.io/name": "service-order"}}}, {"default": {"action": "Allow"}, "targetRef": {"kind": "MeshSubset", "tags": {"app.kubernetes.io/name": "service-payment"}}}] },
      { name: "default-demo-app", from: [{"default": {"action": "Deny"}, "targetRef": {"kind": "Mesh"}}] },
    ],
    expected: [
      "[app.kubernetes.io/name=service-payment] Deny default-demo-app-a/default-demo-app",
      "[app.kubernetes.io/name=service-order] Deny default-demo-app-a/default-demo-app",
      "[app.kubernetes.io/name=ui] Deny default-demo-app-a/default-demo-app",
      "[!app.kubernetes.io/name=service-payment] Deny default-demo-app",
      "[!app.kubernetes.io/name=service-order] Deny default-demo-app",
      "[!app.kubernetes.io/name=ui] Deny default-demo-app",
    ],
  },
  {
    name: "mtp-single-shadow-deny",
    policies: [
      { name: "mtp", from: [{"targetRef": {"kind": "Mesh"}, "default": {"action": "AllowWithShadowDeny"}}, {"targetRef": {"kind": "MeshService", "name": "a"}, "default": {"action": "Deny"}}, {"targetRef": {"kind": "MeshService", "name": "b"}, "default": {"action": "Deny"}}, {"targetRef": {"kind": "MeshService", "name": "c"}, "default": {"action": "Allow"}}] },
    ],
    expected: [
      "[kuma.io/service=c] Allow mtp",
      "[kuma.io/service=b] Deny mtp",
      "[kuma.io/service=a] Deny mtp",
      "[!kuma.io/service=c] AllowWithShadowDeny mtp",
      "[!kuma.io/service=b] AllowWithShadowDeny mtp",
      "[!kuma.io/service=a] AllowWithShadowDeny mtp",
    ],
  },
  {
    name: "multiple-mtp",
    policies: [
      { name: "mtp-1", from: [{"targetRef": {"kind": "Mesh"}, "default": {"action": "Allow"}}] },
      { name: "mtp-2", from: [{"targetRef": {"kind": "MeshSubset", "tags": {"zone": "us-east"}}, "default": {"action": "Deny"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"env": "dev"}}, "default": {"action": "Allow"}}, {"targetRef": {"kind": "MeshSubset", "tags": {"env": "prod"}}, "default": {"action": "Allow"}}] },
    ],
    expected: [
      "[env=prod,zone=us-east] Allow mtp-1/mtp-2",
      "[env=dev,zone=us-east] Allow mtp-1/mtp-2",
      "[!env=prod,zone=us-east] Deny mtp-1/mtp-2",
      "[env=prod,!zone=us-east] Allow mtp-1/mtp-2",
      "[!env=dev,zone=us-east] Deny mtp-1/mtp-2",
      "[env=dev,!zone=us-east] Allow mtp-1/mtp-2",
      "[!env=prod,!zone=us-east] Allow mtp-1",
      "[!env=dev,!zone=us-east] Allow mtp-1",
    ],
  },
  {
    name: "single-mtp-from-overiding-one-another",
    policies: [
      { name: "default-demo-app", from: [{"default": {"action": "Deny"}, "targetRef": {"kind": "Mesh"}}, {"default": {"action": "Allow"}, "targetRef": {"kind": "MeshSubset", "tags": {"app.kubernetes.io/name": "ui"}}}, {"default": {"action": "Allow"}, "targetRef": {"kind": "MeshSubset", "tags": {"app.kubernetes.io/name": "service-order"}}}, {"default": {"action": "Allow"}, "targetRef": {"kind": "MeshSubset", "tags": {"app.kubernetes.io/name": "service-payment"}}}] },
    ],
    expected: [
      "[app.kubernetes.io/name=service-payment] Allow default-demo-app",
      "[app.kubernetes.io/name=service-order] Allow default-demo-app",
      "[app.kubernetes.io/name=ui] Allow default-demo-app",
      "[!app.kubernetes.io/name=service-payment] Deny default-demo-app",
      "[!app.kubernetes.io/name=service-order] Deny default-demo-app",
      "[!app.kubernetes.io/name=ui] Deny default-demo-app",
    ],
  },
];

const show = (r: FromRule): string => `[${r.subset.map((t) => `${t.not ? '!' : ''}${t.key}=${t.value}`).join(',')}] ${r.action} ${r.origin.join('/')}`;

function itemsOf(policies: GoldenCase['policies']): FromItem[] {
  return policies.flatMap((p) =>
    p.from.map((f) => ({
      subset: fromSubset((f['targetRef'] as JsonObject) ?? {}) ?? [],
      action: (f['default'] as JsonObject)['action'] as MtpAction,
      policy: p.name,
    })),
  );
}

describe('buildFromRules: Kuma rules/from goldens', () => {
  for (const c of CASES) {
    it(c.name, () => {
      assert.deepEqual(buildFromRules(itemsOf(c.policies)).map(show), c.expected);
    });
  }

  it('no items, no rules', () => {
    assert.deepEqual(buildFromRules([]), []);
  });
});

const tag = (key: string, value: string, not = false): Tag => ({ key, value, not });

describe('subsets (Kuma subsetutils)', () => {
  it('isSubset: the empty subset contains everything; negations', () => {
    assert.equal(isSubset([], [tag('a', '1')]), true);
    assert.equal(isSubset([tag('a', '1')], [tag('a', '1'), tag('b', '2')]), true);
    assert.equal(isSubset([tag('a', '1')], [tag('b', '2')]), false);
    assert.equal(isSubset([tag('a', '1', true)], [tag('a', '2')]), true);
    assert.equal(isSubset([tag('a', '1', true)], [tag('a', '1')]), false);
    assert.equal(isSubset([tag('a', '1')], [tag('a', '2', true)]), false);
  });

  it('intersect: positive tags of one key must agree', () => {
    assert.equal(intersect([], [tag('a', '1')]), true);
    assert.equal(intersect([tag('team', 'a')], [tag('zone', 'east')]), true);
    assert.equal(intersect([tag('team', 'a')], [tag('team', 'b'), tag('zone', 'east')]), false);
    assert.equal(intersect([tag('team', 'a', true)], [tag('team', 'a')]), true);
  });

  it("combinations come in Kuma's SubsetIter order", () => {
    const combos = [...subsetCombinations([tag('env', 'dev'), tag('env', 'prod')])].map((s) => s.map((t) => `${t.not ? '!' : ''}${t.value}`).join(','));
    assert.deepEqual(combos, ['dev', '!dev,!prod', 'prod']);
    assert.deepEqual([...subsetCombinations([])], [[]]);
  });

  it('groups: cliques and components, sorted like sortComponents', () => {
    // 0-1, 0-2 (1 and 2 apart), 3 alone
    const graph = [new Set([1, 2]), new Set([0]), new Set([0]), new Set<number>()];
    assert.deepEqual(sortGroups(maximalCliques(graph)), [[3], [0, 2], [0, 1]]);
    assert.deepEqual(sortGroups(connectedComponents(graph)), [[3], [0, 1, 2]]);
    // "9" sorts after "10" as text, as in Kuma
    assert.deepEqual(sortGroups([[10], [9]]), [[9], [10]]);
  });

  it('connected components give the same verdicts on the golden cases (KUMA_MESH_TRAFFIC_PERMISSION_DISABLE_CLIQUES_ALGORITHM)', () => {
    const c = CASES.find((x) => x.name === 'mtp-overrides') as GoldenCase;
    const rules = buildFromRules(itemsOf(c.policies), { useCliques: false });
    assert.ok(rules.some((r) => r.action === 'Allow'));
  });
});
