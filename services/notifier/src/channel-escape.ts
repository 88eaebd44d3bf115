/**
 * Escaping of alert text per channel. Only the values filled into a template are escaped: they
 * come from devices (an edge alert's message) and rules, and must not ping a whole workspace
 * (`@everyone`) or forge links. The template itself is the operator's and may mention on purpose
 * (e.g. `<!channel>` in a Slack template for CRITICAL routes).
 */

/** Text with the escaping a channel kind needs; generic webhooks are JSON and need none. */
export type Escape = (text: string) => string;

export const noEscape: Escape = (text) => text;

/**
 * Slack mrkdwn: `&`, `<` and `>` are its only control characters — `<!everyone>`, `<!channel>`,
 * `<!here>`, `<@U…>`, `<#C…>` and `<url|label>` all need `<`, so escaping them (Slack's own
 * rule) neutralises every mention and forged link. Bare `@here`-style words are defused too, in
 * case a workspace links names.
 */
export function escapeSlack(text: string): string {
  return defuseBroadcasts(text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
}

/**
 * Discord markdown: every markdown character gets a backslash (`\<@123>` shows as text instead
 * of a user or role mention, `\[x\](url)` is no masked link, `\#` no header), a line-leading
 * `-` too (lists, `-#` subtext), and `@everyone` / `@here` get a zero-width space. The payload
 * also carries `allowed_mentions: {parse: []}`, so even a mention that slipped through pings
 * nobody.
 */
export function escapeDiscord(text: string): string {
  return defuseBroadcasts(text.replace(/[\\`*_~|>#[\]()<]/g, '\\$&').replace(/^(\s*)-/gm, '$1\\-'));
}

/** `@everyone`, `@here`, `@channel` with a zero-width space after the `@`: shown the same, mentions nobody. */
function defuseBroadcasts(text: string): string {
  return text.replace(/@(everyone|here|channel)\b/gi, '@\u200b$1');
}
