import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { filterSubjectProblem, isPatternSubsetOf, publishSubjectProblem, subjectMatches } from './subject-match.js';

describe('subjectMatches', () => {
  it('matches a literal pattern only exactly', () => {
    assert.equal(subjectMatches('pm.telemetry.s1.d1', 'pm.telemetry.s1.d1'), true);
    assert.equal(subjectMatches('pm.telemetry.s1.d1', 'pm.telemetry.s1.d2'), false);
    assert.equal(subjectMatches('pm.telemetry.s1', 'pm.telemetry.s1.d1'), false);
  });

  it('lets * stand for exactly one token', () => {
    assert.equal(subjectMatches('pm.models.*.promoted', 'pm.models.acoustic.promoted'), true);
    assert.equal(subjectMatches('pm.models.*.promoted', 'pm.models.promoted'), false);
    assert.equal(subjectMatches('pm.models.*.promoted', 'pm.models.a.b.promoted'), false);
    assert.equal(subjectMatches('pm.*.*.d1', 'pm.telemetry.s1.d1'), true);
  });

  it('lets > stand for one or more trailing tokens, never zero', () => {
    assert.equal(subjectMatches('pm.frames.>', 'pm.frames.acoustic.s1.d1'), true);
    assert.equal(subjectMatches('pm.frames.>', 'pm.frames.x'), true);
    assert.equal(subjectMatches('pm.frames.>', 'pm.frames'), false);
    assert.equal(subjectMatches('pm.frames.>', 'pm.scores.acoustic.s1.d1'), false);
    assert.equal(subjectMatches('>', 'anything.at.all'), true);
  });
});

describe('isPatternSubsetOf', () => {
  it('accepts filters that select only subjects of the stream pattern', () => {
    assert.equal(isPatternSubsetOf('pm.frames.acoustic.>', 'pm.frames.>'), true);
    assert.equal(isPatternSubsetOf('pm.frames.*.s1.d1', 'pm.frames.>'), true);
    assert.equal(isPatternSubsetOf('pm.frames.>', 'pm.frames.>'), true);
    assert.equal(isPatternSubsetOf('pm.models.acoustic.promoted', 'pm.models.*.promoted'), true);
    assert.equal(isPatternSubsetOf('pm.models.*.promoted', 'pm.models.*.promoted'), true);
  });

  it('rejects filters reaching outside the stream pattern', () => {
    assert.equal(isPatternSubsetOf('pm.>', 'pm.frames.>'), false);
    assert.equal(isPatternSubsetOf('pm.*.acoustic.s1.d1', 'pm.frames.>'), false);
    assert.equal(isPatternSubsetOf('pm.frames', 'pm.frames.>'), false);
    assert.equal(isPatternSubsetOf('pm.models.>', 'pm.models.*.promoted'), false);
    assert.equal(isPatternSubsetOf('pm.models.a.promoted.x', 'pm.models.*.promoted'), false);
  });
});

describe('subject validation', () => {
  it('refuses wildcards, empty tokens and whitespace in published subjects', () => {
    assert.equal(publishSubjectProblem('pm.telemetry.s1.d1'), undefined);
    assert.match(publishSubjectProblem('pm.telemetry.*') ?? '', /wildcards/);
    assert.match(publishSubjectProblem('pm..d1') ?? '', /empty token/);
    assert.match(publishSubjectProblem('pm.tele metry') ?? '', /whitespace/);
    assert.match(publishSubjectProblem('') ?? '', /empty/);
  });

  it('allows > in a filter only as the last token', () => {
    assert.equal(filterSubjectProblem('pm.frames.*.>'), undefined);
    assert.match(filterSubjectProblem('pm.>.frames') ?? '', /last token/);
  });
});
