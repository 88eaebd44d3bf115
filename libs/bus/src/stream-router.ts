import { InvalidFilterError, InvalidSubjectError, NoStreamForSubjectError, UnknownStreamError } from './errors.js';
import {
  compileSubjectPattern,
  filterSubjectProblem,
  isPatternSubsetOf,
  publishSubjectProblem,
  splitSubject,
  type SubjectMatcher,
} from './subject-match.js';

/** Bounds the subject → stream cache; subjects are per device, so the set grows with the fleet. */
const MAX_CACHED_SUBJECTS = 50_000;

/** Where a subject is stored, with its tokens split once for filter matching. */
export interface SubjectRoute {
  readonly stream: string;
  readonly tokens: readonly string[];
}

interface RoutedStream {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly matchers: readonly SubjectMatcher[];
}

/**
 * Knows which stream stores which subject, from `streamLayout()`. Both adapters check
 * subjects here first, so an uncovered subject fails the same clear way in either mode
 * (NATS itself would only answer "no responders").
 */
export class StreamRouter {
  readonly #streams: readonly RoutedStream[];
  readonly #cache = new Map<string, SubjectRoute>();

  constructor(layout: ReadonlyMap<string, readonly string[]>) {
    this.#streams = [...layout].map(([name, subjects]) => ({
      name,
      subjects,
      matchers: subjects.map(compileSubjectPattern),
    }));
  }

  /** The stream names, in layout order. */
  get streamNames(): readonly string[] {
    return this.#streams.map((s) => s.name);
  }

  /** The stream storing `subject`; throws when the subject is invalid or no stream covers it. */
  route(subject: string): SubjectRoute {
    const cached = this.#cache.get(subject);
    if (cached !== undefined) return cached;
    const problem = publishSubjectProblem(subject);
    if (problem) throw new InvalidSubjectError(subject, problem);
    const tokens = Object.freeze(splitSubject(subject));
    const stream = this.#streams.find((s) => s.matchers.some((match) => match(tokens)));
    if (!stream) throw new NoStreamForSubjectError(subject);
    if (this.#cache.size >= MAX_CACHED_SUBJECTS) this.#cache.clear();
    const route = Object.freeze({ stream: stream.name, tokens });
    this.#cache.set(subject, route);
    return route;
  }

  /** Throws unless `stream` exists and `filterSubject` selects only subjects it stores. */
  assertFilter(stream: string, filterSubject: string): void {
    const found = this.#streams.find((s) => s.name === stream);
    if (!found) throw new UnknownStreamError(stream, this.streamNames);
    const problem = filterSubjectProblem(filterSubject);
    if (problem) throw new InvalidSubjectError(filterSubject, problem);
    if (!found.subjects.some((pattern) => isPatternSubsetOf(filterSubject, pattern))) {
      throw new InvalidFilterError(stream, filterSubject, found.subjects);
    }
  }
}
