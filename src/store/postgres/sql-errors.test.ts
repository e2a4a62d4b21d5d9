import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { describeFailure, isConnectionError, isRetryableConflict, redact, sqlStateOf, storeUnavailable } from './sql-errors.js';

/** What node-postgres raises when the server answers with an error. */
function serverError(code: string, message = 'server said no'): pg.DatabaseError {
  const e = new pg.DatabaseError(message, message.length, 'error');
  e.code = code;
  e.severity = 'FATAL';
  return e;
}

function errnoError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });
}

describe('SQLSTATE and driver error classification', () => {
  test('connection-class SQLSTATEs and socket errors are connection errors', () => {
    for (const code of ['08000', '08003', '08006', '08001', '08P01', '57P01', '57P02', '57P03', '53300']) {
      assert.equal(isConnectionError(serverError(code)), true, code);
    }
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']) {
      assert.equal(isConnectionError(errnoError(code)), true, code);
    }
  });

  test('code-less plain Errors (node-postgres connection loss, pool timeout) and wrapped causes count', () => {
    assert.equal(isConnectionError(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isConnectionError(new Error('timeout exceeded when trying to connect')), true);
    assert.equal(isConnectionError(new AggregateError([errnoError('ECONNREFUSED')], 'all failed')), true);
    assert.equal(isConnectionError(Object.assign(new Error('wrapped'), { code: 'ESOMETHING', cause: serverError('57P01') })), true);
  });

  test('statement errors, bugs and non-errors are not connection errors', () => {
    for (const code of ['23505', '23503', '22001', '40001', '40P01', '42P01', '57014', '28P01']) {
      assert.equal(isConnectionError(serverError(code)), false, code);
    }
    assert.equal(isConnectionError(new TypeError('x is undefined')), false);
    assert.equal(isConnectionError(Object.assign(new Error('other'), { code: 'ERR_STORE_INVALID' })), false);
    assert.equal(isConnectionError('string'), false);
    assert.equal(isConnectionError(undefined), false);
  });

  test('the SQLSTATE comes from server errors only, never from look-alike codes', () => {
    assert.equal(sqlStateOf(serverError('23505')), '23505');
    assert.equal(sqlStateOf(Object.assign(new Error('fake'), { code: '23505' })), undefined);
  });

  test('deadlocks and serialization failures are retryable; other states are not', () => {
    assert.equal(isRetryableConflict(serverError('40001')), true);
    assert.equal(isRetryableConflict(serverError('40P01')), true);
    assert.equal(isRetryableConflict(serverError('23505')), false);
    assert.equal(isRetryableConflict(errnoError('ECONNRESET')), false);
  });
});

describe('StoreUnavailableError from driver errors', () => {
  test('says why, with the SQLSTATE or errno', () => {
    const a = storeUnavailable(serverError('57P01', 'terminating connection due to administrator command'));
    assert.equal(a.code, 'ERR_STORE_UNAVAILABLE');
    assert.match(a.message, /^the resource store cannot reach its database: terminating connection due to administrator command \(SQLSTATE 57P01\)/);
    const b = storeUnavailable(errnoError('ECONNREFUSED'));
    assert.match(b.message, /connect ECONNREFUSED 127\.0\.0\.1:5432 \(ECONNREFUSED\)/);
    const c = storeUnavailable(new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') }));
    assert.match(c.message, /Connection terminated due to connection timeout: Connection terminated unexpectedly/);
  });

  test('never carries a secret, neither in the message nor as cause', () => {
    const leaky = new Error('auth failed for password hunter2-secret');
    const e = storeUnavailable(leaky, ['hunter2-secret']);
    assert.doesNotMatch(e.message, /hunter2/);
    assert.match(e.message, /\*\*\*\*\*/);
    assert.equal(e.cause, undefined);
    const clean = storeUnavailable(errnoError('ECONNREFUSED'), ['hunter2-secret']);
    assert.ok(clean.cause instanceof Error);
  });

  test('redact and describeFailure handle empty input', () => {
    assert.equal(redact('a b a', ['a', '']), '***** b *****');
    assert.equal(describeFailure(new Error('')), 'unknown connection failure');
  });
});
