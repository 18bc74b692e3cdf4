// Which replica errors fall back to the primary, which eject the replica, and how the fallback log line
// names them. Real failures are exercised in faults.test.ts; this pins the table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exceptionType, isConnectionError, isFallbackError } from '../src/pool/fallback-error.ts';

function pgError(code: string, message = 'server error'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isFallbackError', () => {
  const fallback = [
    pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'),
    pgError('ECONNRESET', 'read ECONNRESET'),
    pgError('08006', 'connection failure'),
    pgError('40001', 'canceling statement due to conflict with recovery'),
    pgError('53300', 'sorry, too many clients already'),
    pgError('57P01', 'terminating connection due to administrator command'),
    pgError('57014', 'canceling statement due to statement timeout'),
    pgError('25006', 'cannot execute INSERT in a read-only transaction'),
    pgError('F0000'),
    pgError('HV000'),
    new Error('Connection terminated unexpectedly'),
    new Error('Connection terminated due to connection timeout'),
    new Error('timeout exceeded when trying to connect'),
    new Error('Query read timeout'),
  ];
  for (const error of fallback) {
    test(`falls back on ${exceptionType(error)}`, () => assert.equal(isFallbackError(error), true));
  }
  const propagate = [
    pgError('42601', 'syntax error'),
    pgError('22012', 'division by zero'),
    pgError('42P01', 'relation does not exist'),
    pgError('23505', 'duplicate key'),
    new TypeError('not a database error'),
    'a string',
  ];
  for (const error of propagate) {
    test(`propagates ${typeof error === 'string' ? error : exceptionType(error)}`, () =>
      assert.equal(isFallbackError(error), false));
  }
});

describe('isConnectionError (ejects the replica)', () => {
  test('connection failures eject', () => {
    for (const e of [
      pgError('ECONNREFUSED'),
      pgError('08006'),
      pgError('57P01'),
      pgError('53300'),
      new Error('Connection terminated unexpectedly'),
      new Error('Query read timeout'),
    ]) {
      assert.equal(isConnectionError(e), true, exceptionType(e));
    }
  });
  test('a busy replica pool, a conflict, a statement timeout and 25006 do not', () => {
    for (const e of [
      new Error('timeout exceeded when trying to connect'),
      pgError('40001'),
      pgError('57014'),
      pgError('25006'),
    ]) {
      assert.equal(isConnectionError(e), false, exceptionType(e));
    }
  });
});

describe('exceptionType', () => {
  test('the SQLSTATE or client code when there is one', () => {
    assert.equal(exceptionType(pgError('57P01')), '57P01');
    assert.equal(exceptionType(pgError('ECONNRESET')), 'ECONNRESET');
  });
  test('a stable name for node-postgres errors without a code', () => {
    assert.equal(exceptionType(new Error('Connection terminated unexpectedly')), 'connection_terminated');
    assert.equal(
      exceptionType(new Error('Connection terminated due to connection timeout')),
      'connect_timeout',
    );
    assert.equal(exceptionType(new Error('timeout exceeded when trying to connect')), 'pool_timeout');
    assert.equal(exceptionType(new Error('Query read timeout')), 'query_timeout');
  });
  test('else the class name', () => {
    assert.equal(exceptionType(new TypeError('x')), 'TypeError');
  });
});
