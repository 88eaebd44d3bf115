/**
 * NATS subject rules, shared by both adapters: subjects are dot-separated tokens, `*` matches
 * exactly one token and `>` (last token only) matches one or more.
 */

/** Tests the tokens of a concrete subject against one compiled pattern. */
export type SubjectMatcher = (tokens: readonly string[]) => boolean;

/** Splits a subject into its tokens. */
export function splitSubject(subject: string): string[] {
  return subject.split('.');
}

/** Compiles a pattern once so matching a message costs one pass over its tokens. */
export function compileSubjectPattern(pattern: string): SubjectMatcher {
  const parts = splitSubject(pattern);
  const tail = parts[parts.length - 1] === '>';
  const fixed = tail ? parts.slice(0, -1) : parts;
  return (tokens) => {
    if (tail ? tokens.length <= fixed.length : tokens.length !== fixed.length) return false;
    for (let i = 0; i < fixed.length; i++) {
      const part = fixed[i];
      if (part !== '*' && part !== tokens[i]) return false;
    }
    return true;
  };
}

/** True when the concrete `subject` is matched by `pattern`. */
export function subjectMatches(pattern: string, subject: string): boolean {
  return compileSubjectPattern(pattern)(splitSubject(subject));
}

/**
 * True when every subject `filter` can match is also matched by `pattern` — the check
 * JetStream makes before accepting a consumer's filter subject.
 */
export function isPatternSubsetOf(filter: string, pattern: string): boolean {
  const f = splitSubject(filter);
  const p = splitSubject(pattern);
  for (let i = 0; i < p.length; i++) {
    const part = p[i];
    if (part === '>') return i < f.length;
    if (i >= f.length) return false;
    const token = f[i];
    if (token === '>') return false;
    if (part !== '*' && (token === '*' || token !== part)) return false;
  }
  return f.length === p.length;
}

/** Why `subject` cannot be published to, or undefined when it can. */
export function publishSubjectProblem(subject: string): string | undefined {
  if (subject.length === 0) return 'it is empty';
  if (/\s/.test(subject)) return 'it contains whitespace';
  for (const token of splitSubject(subject)) {
    if (token.length === 0) return 'it has an empty token';
    if (token === '*' || token === '>') return 'wildcards are only allowed in filters';
  }
  return undefined;
}

/** Why `filter` is not a valid subscription pattern, or undefined when it is. */
export function filterSubjectProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'it is empty';
  if (/\s/.test(filter)) return 'it contains whitespace';
  const tokens = splitSubject(filter);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.length === 0) return 'it has an empty token';
    if (token === '>' && i !== tokens.length - 1) return '">" must be the last token';
  }
  return undefined;
}
