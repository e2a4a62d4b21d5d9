import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseChangeNotification } from './change-listener.js';

describe('change notification payloads', () => {
  test("the trigger's payloads (json_build_object spacing included) parse into events", () => {
    assert.deepEqual(parseChangeNotification('{"action" : "INSERT", "data" : {"name" : "m1", "mesh" : "", "type" : "Mesh"}}'), {
      op: 'create', type: 'Mesh', mesh: '', name: 'm1',
    });
    assert.deepEqual(parseChangeNotification('{"action":"UPDATE","data":{"name":"dp","mesh":"default","type":"Dataplane"}}')?.op, 'update');
    assert.deepEqual(parseChangeNotification('{"action":"DELETE","data":{"name":"dp","mesh":"default","type":"Dataplane"}}')?.op, 'delete');
  });

  test('anything else is rejected', () => {
    for (const p of [
      undefined,
      '',
      'not json',
      'null',
      '42',
      '{"action":"TRUNCATE","data":{"name":"a","mesh":"","type":"Mesh"}}',
      '{"action":"toString","data":{"name":"a","mesh":"","type":"Mesh"}}',
      '{"action":"INSERT"}',
      '{"action":"INSERT","data":{"name":"a","mesh":"","type":7}}',
      '{"action":"INSERT","data":{"name":"","mesh":"","type":"Mesh"}}',
      '{"action":"INSERT","data":{"name":"a","type":"Mesh"}}',
    ]) {
      assert.equal(parseChangeNotification(p), undefined, String(p));
    }
  });
});
