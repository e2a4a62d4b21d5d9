import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from './json.js';
import { meshTrafficPermissionDeprecations, validateMeshTrafficPermissionSpec } from './mesh-traffic-permission.js';

const v = (spec: JsonObject) => validateMeshTrafficPermissionSpec(spec).list;

test('from form and rules form are valid', () => {
  assert.deepEqual(
    v({
      targetRef: { kind: 'MeshSubset', tags: { 'kuma.io/service': 'backend' } },
      from: [
        { targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } },
        { targetRef: { kind: 'MeshSubset', tags: { 'kuma.io/service': 'web' } }, default: { action: 'AllowWithShadowDeny' } },
      ],
    }),
    [],
  );
  assert.deepEqual(
    v({
      targetRef: { kind: 'Mesh' },
      rules: [
        {
          default: {
            allow: [{ spiffeID: { type: 'Prefix', value: 'spiffe://default' } }],
            deny: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/ns/x/sa/y' } }],
            allowWithShadowDeny: [{ sni: { type: 'Exact', value: 'api.example.com' } }],
          },
        },
      ],
    }),
    [],
  );
});

test('schema errors come first, with kube-openapi texts (Kuma golden put_mtp_00)', () => {
  assert.deepEqual(v({ targetRef: { kind: 'MeshService', name: 2 }, from: [{ targetRef: { kind: 'Mesh' } }] }), [
    { field: 'spec.targetRef.name', message: 'in body must be of type string: "number"' },
  ]);
  assert.deepEqual(v({ from: [{ default: { action: 'Maybe' } }] }), [
    { field: 'spec.from[0].targetRef', message: 'in body is required' },
    { field: 'spec.from[0].default.action', message: 'in body should be one of [Allow Deny AllowWithShadowDeny]' },
  ]);
  assert.deepEqual(v({ from: [{ targetRef: { kind: 'Service' }, default: { action: 'Allow' } }] }), [
    {
      field: 'spec.from[0].targetRef.kind',
      message: 'in body should be one of [Mesh MeshSubset MeshGateway MeshService MeshExternalService MeshMultiZoneService MeshServiceSubset MeshHTTPRoute Dataplane]',
    },
  ]);
});

test('from/rules presence rules', () => {
  assert.deepEqual(v({ targetRef: { kind: 'Mesh' } }), [{ field: 'spec', message: "at least one of 'from' or 'rules' has to be defined" }]);
  assert.deepEqual(
    v({ from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }], rules: [{ default: { allow: [{ spiffeID: { type: 'Exact', value: 'spiffe://a' } }] } }] }),
    [{ field: 'spec', message: "field 'from' must be empty when 'rules' is defined" }],
  );
});

test('from entries: supported kinds and required action', () => {
  assert.deepEqual(v({ from: [{ targetRef: { kind: 'Dataplane' }, default: {} }, { targetRef: { kind: 'Mesh', name: 'x' } }] }), [
    { field: 'spec.from[0].targetRef.kind', message: "value 'Dataplane' is not supported" },
    { field: 'spec.from[0].default.action', message: 'must be defined' },
    { field: 'spec.from[1].targetRef.name', message: 'using name with kind Mesh is not yet supported' },
    { field: 'spec.from[1].default.action', message: 'must be defined' },
  ]);
});

test('top-level targetRef rules', () => {
  const from = [{ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } }];
  assert.deepEqual(v({ targetRef: { kind: 'MeshGateway', name: 'g' }, from }), [{ field: 'spec.targetRef.kind', message: "value 'MeshGateway' is not supported" }]);
  assert.deepEqual(v({ targetRef: { kind: 'Mesh', tags: { a: 'b' }, proxyTypes: [] }, from }), [
    { field: 'spec.targetRef.tags', message: 'must not be set with kind Mesh' },
    { field: 'spec.targetRef.proxyTypes', message: 'must be undefined or have at least one element' },
  ]);
  assert.deepEqual(v({ targetRef: { kind: 'MeshService' }, from }), [{ field: 'spec.targetRef', message: 'name or labels must be set when kind is MeshService' }]);
  assert.deepEqual(v({ targetRef: { kind: 'MeshServiceSubset' }, from }), [{ field: 'spec.targetRef.name', message: 'must be set when kind is MeshServiceSubset' }]);
  assert.deepEqual(v({ targetRef: { kind: 'MeshSubset', name: 'x', tags: { 'kuma.io/service': '' } }, from }), [
    { field: 'spec.targetRef.name', message: 'must not be set with kind MeshSubset' },
    { field: 'spec.targetRef.tags["kuma.io/service"]', message: 'tag value must be non-empty' },
  ]);
  assert.deepEqual(v({ targetRef: { kind: 'Dataplane', labels: { a: 'b' }, name: 'x', sectionName: 's' }, from }), [
    { field: 'spec.targetRef.labels', message: 'either labels or name and namespace must be specified' },
  ]);
});

test('rules entries: lists, SPIFFE IDs and SNIs', () => {
  assert.deepEqual(
    v({
      rules: [
        { default: {} },
        {
          default: {
            allow: [{ spiffeID: { type: 'Exact', value: 'http://x' } }, { spiffeID: { type: 'Prefix', value: 'spiffe://Bad' } }],
            deny: [{ sni: { type: 'Exact', value: 'Not_A_Host' } }],
          },
        },
      ],
    }),
    [
      { field: 'spec.rules[0]', message: "at least one of 'allow', 'allowWithShadowDeny', 'deny' has to be defined" },
      { field: 'spec.rules[1].allow[0].spiffeID', message: 'must be a valid Spiffe ID: scheme is missing or invalid' },
      {
        field: 'spec.rules[1].allow[1].spiffeID',
        message: 'must be a valid Spiffe ID: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
      },
      {
        field: 'spec.rules[1].deny[0].sni.value',
        message:
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      },
    ],
  );
});

test('deprecation warnings', () => {
  assert.deepEqual(meshTrafficPermissionDeprecations({ targetRef: { kind: 'MeshService', name: 'a' }, from: [{ targetRef: { kind: 'MeshService', name: 'b' } }] }), [
    "'from' field is deprecated and will be removed in 3.0, use 'rules' with MeshIdentity (spiffeId) instead",
    "MeshService value for 'from[].targetRef.kind' is deprecated, use MeshSubset with 'kuma.io/service' instead",
    "MeshService value for 'targetRef.kind' is deprecated, use Dataplane with labels instead",
  ]);
  assert.deepEqual(meshTrafficPermissionDeprecations({ targetRef: { kind: 'Mesh' }, rules: [] }), []);
});
