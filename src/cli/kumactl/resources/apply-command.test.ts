import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { assertGolden } from '../../../../test/support/golden.js';
import { repoRoot } from '../../../../test/support/processes.js';
import { FakeControlPlane, stdError } from '../testing/fake-control-plane.js';
import { runKumactl, withHome } from '../testing/run-kumactl.js';

const testdata = join(repoRoot, 'src/cli/kumactl/testdata/apply');

async function configFor(home: string, url: string): Promise<string> {
  const file = join(home, 'config');
  await writeFile(file, `controlPlanes:\n- name: test\n  coordinates:\n    apiServer:\n      url: ${url}\ncontexts:\n- name: test\n  controlPlane: test\ncurrentContext: test\n`);
  return file;
}

describe('kumactl apply and delete', () => {
  let cp: FakeControlPlane;
  before(async () => {
    cp = await new FakeControlPlane({
      intercept: (req, res) => {
        if (req.method !== 'PUT' || req.url?.includes('/rejected') !== true) return false;
        const body = stdError(400, 'Could not process resource', 'Resource is not valid', [
          { field: 'path', reason: 'cannot be empty' },
          { field: 'mesh', reason: 'cannot be empty' },
        ]);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return true;
      },
    }).start();
  });
  after(() => cp.stop());
  beforeEach(() => {
    cp.resources.clear();
    cp.requests.length = 0;
  });

  const kumactl = (opts: { stdin?: string } = {}, ...args: string[]) =>
    withHome(async (home) => runKumactl({ home, ...opts }, '--config-file', await configFor(home, cp.url), ...args));

  it('creates then updates resources from stdin, with Kuma messages', async () => {
    const mesh = 'type: Mesh\nname: demo\n';
    const created = await kumactl({ stdin: mesh }, 'apply', '-f', '-');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'resource type="Mesh" mesh="" name="demo" Created\n');
    const put = cp.requests.find((r) => r.method === 'PUT');
    assert.equal(put?.url, '/meshes/demo');
    assert.deepEqual(JSON.parse(put?.body ?? ''), { type: 'Mesh', name: 'demo' });
    const updated = await kumactl({ stdin: `${mesh}mtls:\n  enabledBackend: ca-1\n  backends: [{name: ca-1, type: builtin}]\n` }, 'apply', '-f', '-');
    assert.equal(updated.stdout, 'resource type="Mesh" mesh="" name="demo" Updated\n');
    assert.equal(cp.resources.get('Mesh//demo')?.spec['mtls'] !== undefined, true);
  });

  it('applies multiple documents (comments and separators as Kuma splits them)', async () => {
    const r = await kumactl({}, 'apply', '-f', join(testdata, 'apply-multiple-resource-different-type.input.yaml'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'resource type="Dataplane" mesh="default" name="sample1" Created\nresource type="Secret" mesh="default" name="sample" Created\n');
    assert.deepEqual([...cp.resources.keys()].sort(), ['Dataplane/default/sample1', 'Secret/default/sample']);
  });

  it('--var fills {{ name }} and dotted names; --dry-run prints and sends nothing', async () => {
    const dotted = await kumactl({}, 'apply', '-f', join(testdata, 'apply-dataplane-template-dots.yaml'), '-v', 'var.with.dots.in.the.name=2.2.2.2');
    assert.equal(dotted.code, 0, dotted.stderr);
    const dp = cp.resources.get('Dataplane/default/sample');
    assert.equal((dp?.spec['networking'] as { address: string }).address, '2.2.2.2');

    cp.requests.length = 0;
    const dry = await kumactl({}, 'apply', '-f', join(testdata, 'apply-many-dataplane-template.yaml'), '--var', 'address=2.2.2.2', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, await readFile(join(testdata, 'apply-many-dataplane-template.golden.yaml'), 'utf8'));
    assert.equal(cp.requests.length, 0);
  });

  it('reports every bad document, then fails without applying any (golden stderr)', async () => {
    const r = await kumactl({}, 'apply', '-f', join(testdata, 'bad_yaml_inside_multiple_entries.input.yaml'));
    assert.equal(r.code, 1);
    await assertGolden('src/cli/kumactl/testdata/apply/bad_yaml_inside_multiple_entries.ours.golden.stderr.txt', r.stderr);
    assert.match(r.stderr, /^resource\[1\]: failed to parse resource: invalid meta type: "error converting YAML to JSON: yaml: /);
    assert.match(r.stderr, /\nresource\[3\]: failed to parse resource: invalid resource type "Foo"\nError: failed to validate some resources\n$/);
    assert.equal(cp.resources.size, 0);
  });

  const invalid: [string, RegExp][] = [
    ['type: Dataplane\nname: dp-1\nnetworking: {address: 1.1.1.1}\n', /resource\[0\]: failed to read meta: mesh: cannot be empty\n/],
    ['type: Dataplane\nmesh: default\nnetworking: {address: 1.1.1.1}\n', /resource\[0\]: failed to read meta: name: cannot be empty\n/],
    ['name: x\n', /resource\[0\]: failed to parse resource: invalid resource type "": the document has no "type" field/],
    ['', /^Error: no resource\(s\) passed to apply\n$/],
  ];
  for (const [doc, want] of invalid) {
    it(`rejects ${JSON.stringify(doc)}`, async () => {
      const r = await kumactl({ stdin: doc }, 'apply', '-f', '-');
      assert.equal(r.code, 1);
      assert.match(r.stderr, want);
    });
  }

  it('renders a server-side rejection on one line, as Kuma', async () => {
    const r = await kumactl({ stdin: 'type: Mesh\nname: rejected\n' }, 'apply', '-f', '-');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error: resource type="Mesh" mesh="" name="rejected": failed server side: Could not process resource (Resource is not valid);path=cannot be empty ;mesh=cannot be empty \n');
  });

  it('applies a directory (.yaml/.yml/.json, sorted, not recursive)', async () => {
    await withHome(async (home) => {
      const dir = join(home, 'res');
      await mkdir(join(dir, 'sub'), { recursive: true });
      await writeFile(join(dir, '01-mesh.yaml'), 'type: Mesh\nname: sample\n');
      await writeFile(join(dir, '02-zone.json'), '{"type": "Zone", "name": "z1"}');
      await writeFile(join(dir, 'readme.txt'), 'not a resource');
      await writeFile(join(dir, 'sub', 'mesh.yaml'), 'type: Mesh\nname: ignored\n');
      const r = await runKumactl({ home }, '--config-file', await configFor(home, cp.url), 'apply', '-f', dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'resource type="Mesh" mesh="" name="sample" Created\nresource type="Zone" mesh="" name="z1" Created\n');
    });
  });

  it('requires -f and explains a missing file', async () => {
    assert.equal((await kumactl({}, 'apply')).stderr, 'Error: required flag(s) "file" not set\n');
    assert.match((await kumactl({}, 'apply', '-f', '/nonexistent.yaml')).stderr, /^Error: error while reading provided file: ENOENT/);
  });

  it('delete: deleted <Type> "<name>", not found, unknown and read-only types', async () => {
    await kumactl({ stdin: 'type: Secret\nname: s1\nmesh: default\ndata: dGVzdA==\n' }, 'apply', '-f', '-');
    const ok = await kumactl({}, 'delete', 'secret', 's1');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'deleted Secret "s1"\n');
    assert.ok(cp.requests.some((r) => r.method === 'DELETE' && r.url === '/meshes/default/secrets/s1'));
    assert.equal((await kumactl({}, 'delete', 'secret', 's1')).stderr, 'Error: there is no Secret with name "s1"\n');
    assert.equal((await kumactl({}, 'delete', 'global-secret', 'g', '-m', 'x')).stderr, 'Error: there is no GlobalSecret with name "g"\n');
    assert.equal(
      (await kumactl({}, 'delete', 'foo', 'x')).stderr,
      'Error: unknown TYPE: foo. Allowed values: dataplane, global-secret, globalsecret, mesh, meshtrafficpermission, secret, zone\n',
    );
  });
});
