import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildValues, defaultInstallArgs } from './args.js';
import { InstallError } from './errors.js';
import { applySet } from './set-values.js';
import { mergeValues, type Values } from './values.js';

const set = (...exprs: string[]): Values => {
  const tree: Values = {};
  for (const e of exprs) applySet(tree, e);
  return tree;
};

describe('--set (Helm strvals)', () => {
  it('dotted keys, several pairs, Helm typing', () => {
    assert.deepEqual(set('controlPlane.tls.general.secretName=general-tls-certs,controlPlane.replicas=3'), {
      controlPlane: { tls: { general: { secretName: 'general-tls-certs' } }, replicas: 3 },
    });
    assert.deepEqual(set('a=true,b=FALSE,c=0,d=007,e=-12,f=1.5,g=,h=x=y'), { a: true, b: false, c: 0, d: '007', e: -12, f: '1.5', g: '', h: 'x=y' });
    assert.deepEqual(set('big=123456789012345678901234567890'), { big: '123456789012345678901234567890' });
  });

  it('escapes, lists and indexes', () => {
    assert.deepEqual(set('controlPlane.nodeSelector.kubernetes\\.io/os=linux'), { controlPlane: { nodeSelector: { 'kubernetes.io/os': 'linux' } } });
    assert.deepEqual(set('v=a\\,b'), { v: 'a,b' });
    assert.deepEqual(set('l={a,b,1},x=2'), { l: ['a', 'b', 1], x: 2 });
    assert.deepEqual(set('l[1]=b', 'l[0]=a', 'm[0].name=n', 'm[0].value=v', 'n[0][1]=z'), { l: ['a', 'b'], m: [{ name: 'n', value: 'v' }], n: [[null, 'z']] });
  });

  it('later --set wins; null removes a key, defaults included', () => {
    const tree = buildValues({ args: defaultInstallArgs('1.0.0'), sets: ['controlPlane.mode=global', 'controlPlane.mode=zone', 'controlPlane.nodeSelector=null'] });
    assert.equal((tree['controlPlane'] as Values)['mode'], 'zone');
    assert.ok(!('nodeSelector' in (tree['controlPlane'] as Values)));
  });

  it('malformed input is an InstallError with a hint', () => {
    for (const [expr, text] of [
      ['a', 'key "a" has no value'],
      ['a.b', 'key "b" has no value'],
      ['a,b=1', 'key "a" has no value (cannot end with ,)'],
      ['a[1', 'malformed list index'],
      ['a[70000]=1', 'larger than 65536'],
      ['a={x,y', 'no closing "}"'],
      ['a={x}y', 'unexpected "y" after a list value'],
      ['constructor.x=1', 'is not allowed'],
    ] as const) {
      assert.throws(
        () => set(expr),
        (err: unknown) => err instanceof InstallError && err.code === 'ERR_INSTALL_SET_SYNTAX' && err.message.includes(text) && err.message.includes('write key=value'),
        expr,
      );
    }
  });
});

describe('values precedence', () => {
  it('chart defaults < flags < --values files (in order) < --set; maps merge key by key', () => {
    const args = { ...defaultInstallArgs('1.0.0'), mode: 'global', envVars: { A: 'flag', B: 'flag' } };
    const tree = buildValues({
      args,
      files: [{ controlPlane: { envVars: { A: 'file1' }, mode: 'zone' } }, { controlPlane: { envVars: { A: 'file2' } } }],
      sets: ['controlPlane.envVars.B=set'],
    });
    const cp = tree['controlPlane'] as Values;
    assert.equal(cp['mode'], 'zone');
    assert.deepEqual(cp['envVars'], { A: 'file2', B: 'set' });
    assert.equal((cp['image'] as Values)['tag'], '1.0.0');
    assert.deepEqual(cp['nodeSelector'], { 'kubernetes.io/os': 'linux' }, 'defaults survive');
  });

  it('mergeValues leaves its inputs alone and null in a file removes a default', () => {
    const base = { a: { b: 1, c: 2 } };
    const out = mergeValues(base, { a: { c: null, d: 3 } });
    assert.deepEqual(out, { a: { b: 1, d: 3 } });
    assert.deepEqual(base, { a: { b: 1, c: 2 } });
  });
});
