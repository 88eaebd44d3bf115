import { z } from 'zod';

/**
 * NUL and the other C0 control characters except tab, line feed and carriage return, plus DEL;
 * then a high surrogate not followed by a low one, and a low surrogate not preceded by a high one.
 */
// No `u` flag: the regex must see UTF-16 code units to find lone surrogates.
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `text` may not travel in a message, or undefined when it may. PostgreSQL refuses NUL in
 * text and jsonb and refuses lone surrogates in jsonb; control characters have no business in
 * names, versions or alert text, and would reach terminals and chat channels.
 */
export function unsafeTextReason(text: string): string | undefined {
  const match = UNSAFE.exec(text);
  if (!match) return undefined;
  const unit = match[0].charCodeAt(0);
  const code = `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;
  return unit >= 0xd800 && unit <= 0xdfff ? `contains a lone surrogate (${code}) at ${match.index}` : `contains a control character (${code}) at ${match.index}`;
}

/**
 * A text field of a message: at most `maxLength` characters and no NUL, other control
 * characters (tab, line feed and carriage return excepted) or lone surrogates. Every schema
 * with free text uses this, so nothing that passes validation can be refused by the database.
 */
export function safeText(maxLength: number, minLength = 0): z.ZodString {
  return z
    .string()
    .min(minLength)
    .max(maxLength)
    .superRefine((value, ctx) => {
      const reason = unsafeTextReason(value);
      if (reason) ctx.addIssue({ code: 'custom', message: `must be plain text: ${reason}` });
    });
}

const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

/**
 * `text` made fit for a `safeText(maxLength)` field: each unsafe character becomes a visible
 * escape (`\u001b`), then it is cut to `maxLength` without splitting a surrogate pair. For
 * senders whose text comes from elsewhere (error messages, a command's stderr).
 */
export function plainText(text: string, maxLength: number): string {
  const escaped = text.replace(UNSAFE_ALL, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped.length <= maxLength) return escaped;
  const cut = escaped.slice(0, maxLength);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
