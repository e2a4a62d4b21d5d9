/**
 * Kuma's dataplane_status_tracker_test.go ported to our subscription: the initial state, that the
 * first request counts nothing, then a response, an ACK and a NACK in `total` and the Dataplane
 * kind's bucket (`lds`: our kind defines the listeners), each moving lastUpdateTime forward; the
 * disconnect time; the protojson shape. Kuma's RDS/CDS/EDS flows have no counterpart: we serve one
 * kind, so those buckets stay empty.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { KumaDpVersionSchema, ResourceKind } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { InsightSubscription } from './insight-subscription.js';

/** A clock that moves one second per reading, from 2019-07-01T00:00:00Z. */
function steppingClock(): () => Date {
  let t = Date.parse('2019-07-01T00:00:00Z');
  return () => {
    const d = new Date(t);
    t += 1000;
    return d;
  };
}

describe('DataplaneInsight subscription (Kuma dataplane_status_tracker_test)', () => {
  it('starts connected with zero counters and lastUpdateTime = connectTime', () => {
    const sub = new InsightSubscription('control-plane-01', steppingClock());
    assert.match(sub.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(sub.toJson(), {
      id: sub.id,
      controlPlaneInstanceId: 'control-plane-01',
      connectTime: '2019-07-01T00:00:00Z',
      status: { lastUpdateTime: '2019-07-01T00:00:00Z', total: {}, cds: {}, eds: {}, lds: {}, rds: {} },
    });
  });

  it('counts a response, then an ACK, then a NACK; lastUpdateTime moves forward each time', () => {
    const sub = new InsightSubscription('cp', steppingClock());
    sub.version = create(KumaDpVersionSchema, { version: '0.0.1', gitTag: 'v0.0.1', gitCommit: '91ce236824a9d875601679aa80c63783fb0e8725', buildDate: '2019-08-07T11:26:06Z' });
    const times: string[] = [];
    const step = (f: () => void, expected: Record<string, string>) => {
      f();
      const json = sub.toJson() as { status: Record<string, unknown>; version: unknown };
      assert.deepEqual(json.status['total'], expected);
      assert.deepEqual(json.status['lds'], expected);
      for (const other of ['cds', 'eds', 'rds']) assert.deepEqual(json.status[other], {});
      times.push(json.status['lastUpdateTime'] as string);
    };
    step(() => sub.responseSent(ResourceKind.DATAPLANE), { responsesSent: '1' });
    step(() => sub.acknowledged(ResourceKind.DATAPLANE), { responsesSent: '1', responsesAcknowledged: '1' });
    step(() => sub.rejected(ResourceKind.DATAPLANE), { responsesSent: '1', responsesAcknowledged: '1', responsesRejected: '1' });
    assert.deepEqual(times, ['2019-07-01T00:00:01Z', '2019-07-01T00:00:02Z', '2019-07-01T00:00:03Z']);
    assert.deepEqual(sub.toJson()['version'], {
      kumaDp: { version: '0.0.1', gitTag: 'v0.0.1', gitCommit: '91ce236824a9d875601679aa80c63783fb0e8725', buildDate: '2019-08-07T11:26:06Z' },
    });
  });

  it('a kind without a Kuma bucket counts in total only', () => {
    const sub = new InsightSubscription('cp', steppingClock());
    sub.responseSent(ResourceKind.UNSPECIFIED);
    const status = sub.toJson()['status'] as Record<string, unknown>;
    assert.deepEqual(status['total'], { responsesSent: '1' });
    assert.deepEqual(status['lds'], {});
  });

  it('records the disconnect once, not before the connect', () => {
    const sub = new InsightSubscription('cp', steppingClock());
    sub.disconnected();
    sub.disconnected();
    const json = sub.toJson();
    assert.equal(json['disconnectTime'], '2019-07-01T00:00:01Z');
    assert.ok(Date.parse(json['disconnectTime'] as string) >= Date.parse(json['connectTime'] as string));
    assert.deepEqual(Object.keys(json), ['id', 'controlPlaneInstanceId', 'connectTime', 'disconnectTime', 'status']);
  });
});
