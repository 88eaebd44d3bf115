/**
 * Returns a connection URL safe to print: the password replaced by `***` (and any query
 * parameter named like a password, token or secret). A string that does not parse as a URL is
 * masked from its scheme to its last `@`, so a malformed URL still leaks nothing.
 */
export function maskUrl(url: string): string {
  // `pm:s3cret@db` parses as a URL with scheme `pm:`; only an authority part is trusted.
  if (!url.includes('://')) return maskLoosely(url);
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAM.test(key)) parsed.searchParams.set(key, '***');
    }
    // URL encodes the `*`s, which reads worse in a log line than it helps.
    return parsed.toString().replaceAll('%2A%2A%2A', '***');
  } catch {
    return maskLoosely(url);
  }
}

/**
 * Masks every URL with credentials inside free text (an error message, a config value list):
 * the userinfo and password-like query parameters. Text without such a URL comes back as is.
 */
export function maskUrlsInText(text: string): string {
  if (!text.includes('@') && !/[?&][^=\s]*(?:pass|secret|token|key)[^=\s]*=/i.test(text)) return text;
  return text.replace(URL_IN_TEXT, (match) => {
    // Sentence punctuation after a URL ("at nats://…:4222: refused") is not part of it.
    const url = match.replace(/[.,;:)\]]+$/, '');
    return maskUrl(url) + match.slice(url.length);
  });
}

/**
 * What of a URL an operator may read when the whole URL is a secret (a Slack or Discord webhook
 * carries its token in the path): the scheme and host, e.g. `https://hooks.slack.com`.
 */
export function urlOrigin(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host ? `${parsed.protocol}//${parsed.host}` : '(a URL without a host)';
  } catch {
    return '(not a URL)';
  }
}

const SECRET_PARAM = /pass|secret|token|key|signature|sig$/i;
// A scheme, `://`, then everything up to whitespace or a quote; greedy so the last `@` of a
// malformed authority (`user:pa@ss@host`) is inside the match and masked.
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"<>`]+/gi;

function maskLoosely(text: string): string {
  const withScheme = /^([a-z][a-z0-9+.-]*:\/\/)[^\s]*@/i;
  if (withScheme.test(text)) return text.replace(withScheme, '$1***@');
  return text.replace(/:[^\s]*@/g, ':***@');
}
