/**
 * MQTT topic-name and topic-filter algebra (MQTT 3.1.1 §4.7), kept free of any broker so
 * the ACL can be unit-tested and shared by every broker adapter.
 */

/** True for a topic a client may PUBLISH to: non-empty, no wildcards, no NUL. */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && !/[+#\u0000]/.test(topic);
}

/**
 * True for a well-formed subscription filter: `+` and `#` occupy a whole level and `#`
 * only appears as the last level.
 */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level.includes('#')) return level === '#' && i === levels.length - 1;
    if (level.includes('+')) return level === '+';
    return true;
  });
}

/** True when `topic` (a concrete topic name) matches the subscription `filter`. */
export function topicMatchesFilter(topic: string, filter: string): boolean {
  // [MQTT-4.7.2-1]: wildcards at the first level never match topics starting with '$'.
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const t = topic.split('/');
  const f = filter.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return t.length === f.length;
}

/**
 * True when every topic that `requested` can match is also matched by `allowed`, so
 * granting `requested` leaks nothing outside `allowed`. Comparing filters (not just
 * their text) is what stops `premonitor/v1/#` or `premonitor/v1/s/+/model/+` from
 * slipping past a device ACL.
 */
export function filterCovers(allowed: string, requested: string): boolean {
  if (!isValidTopicFilter(allowed) || !isValidTopicFilter(requested)) return false;
  // [MQTT-4.7.2-1]: a leading wildcard never matches '$' topics such as $SYS.
  if (requested.startsWith('$') && /^[+#]/.test(allowed)) return false;
  const a = allowed.split('/');
  const r = requested.split('/');
  for (let i = 0; ; i++) {
    const al = a[i];
    const rl = r[i];
    if (al === '#') return true;
    // `x/#` also matches `x`; that case returned above when `al` was '#'.
    if (rl === undefined || al === undefined) return rl === undefined && al === undefined;
    if (rl === '#') return false;
    if (rl === '+') {
      if (al !== '+') return false;
      continue;
    }
    if (al !== '+' && al !== rl) return false;
  }
}

/**
 * A matcher for a fixed set of filters, compiled into one regular expression. For checks on
 * every delivered message (the ACL on forward), where splitting topic and filters for each
 * message would be the main cost.
 */
export function compileFilters(filters: readonly string[]): (topic: string) => boolean {
  const source = (set: readonly string[]) => (set.length === 0 ? '(?!)' : set.map(filterPattern).join('|'));
  const any = new RegExp(`^(?:${source(filters)})$`, 's');
  // [MQTT-4.7.2-1]: filters starting with a wildcard never match topics starting with '$'.
  const dollar = new RegExp(`^(?:${source(filters.filter((f) => !/^[+#]/.test(f)))})$`, 's');
  return (topic) => (topic.startsWith('$') ? dollar : any).test(topic);
}

function filterPattern(filter: string): string {
  const levels = filter.split('/');
  const last = levels.length - 1;
  let pattern = '';
  for (let i = 0; i <= last; i++) {
    const level = levels[i]!;
    if (level === '#') {
      // `a/#` matches `a` itself as well as everything below it; a lone `#` matches everything.
      return i === 0 ? '.*' : `${pattern}(?:/.*)?`;
    }
    pattern += (i > 0 ? '/' : '') + (level === '+' ? '[^/]*' : level.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
  return pattern;
}
