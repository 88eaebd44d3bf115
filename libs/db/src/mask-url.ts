/**
 * Returns a connection URL safe to print: the password replaced by `***`. A string that is
 * not a URL is masked between `:` and `@` so a malformed URL still leaks nothing.
 */
export function maskUrl(url: string): string {
  // `pm:s3cret@db` parses as a URL with scheme `pm:`; only an authority part is trusted.
  if (!url.includes('://')) return maskLoosely(url);
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass/i.test(key)) parsed.searchParams.set(key, '***');
    }
    // URL encodes the `*`s, which reads worse in a log line than it helps.
    return parsed.toString().replaceAll('%2A%2A%2A', '***');
  } catch {
    return maskLoosely(url);
  }
}

function maskLoosely(text: string): string {
  return text.replace(/:[^:@/\s]*@/g, ':***@');
}
