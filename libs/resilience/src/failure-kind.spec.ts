import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BusOperationError, MessageTooLargeError, BusNotStartedError } from '@premonitor/bus';
import { classifyFailure } from './failure-kind.js';

const pg = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifyFailure', () => {
  it('judges PostgreSQL errors by SQLSTATE', () => {
    for (const code of ['08006', '08001', '53300', '53100', '57P01', '57P03', '40001', '40P01', '55P03', '57014', '58030']) assert.equal(classifyFailure(pg(code)), 'transient', code);
    for (const code of ['22P02', '22021', '22012', '23505', '23502', '42703', '42601', '54000', '21000', '0A000']) assert.equal(classifyFailure(pg(code)), 'permanent', code);
    assert.equal(classifyFailure(pg('XX000')), 'unknown');
  });

  it('judges network errors and driver messages as transient', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']) assert.equal(classifyFailure(pg(code)), 'transient', code);
    assert.equal(classifyFailure(new Error('Connection terminated unexpectedly')), 'transient');
    assert.equal(classifyFailure(new Error('timeout exceeded when trying to connect')), 'transient');
    assert.equal(classifyFailure(new Error('Cannot use a pool after calling end on the pool')), 'transient');
    assert.equal(classifyFailure(new Error('driver has already been destroyed')), 'transient', 'kysely after close: shutting down, not poison');
    assert.equal(classifyFailure(new AggregateError([pg('ECONNREFUSED'), pg('ECONNREFUSED')])), 'transient');
  });

  it('judges bus errors by type, following the cause', () => {
    assert.equal(classifyFailure(new MessageTooLargeError('pm.frames.x', 10, 5)), 'permanent');
    assert.equal(classifyFailure(new BusNotStartedError('publish')), 'transient');
    const tooBig = Object.assign(new Error('payload: max_payload size exceeded'), { name: 'InvalidArgumentError' });
    assert.equal(classifyFailure(new BusOperationError('publish to pm.frames.acoustic.a.b', tooBig)), 'permanent');
    assert.equal(classifyFailure(new BusOperationError('publish', new Error('no JetStream ack within 5000 ms'))), 'transient');
  });

  it('leaves anything else unknown, and survives a cause cycle', () => {
    assert.equal(classifyFailure(new TypeError('x is not a function')), 'unknown');
    assert.equal(classifyFailure('a string'), 'unknown');
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = new Error('b', { cause: a });
    assert.equal(classifyFailure(a), 'unknown');
  });
});
