/** Attributes of {@link h}: strings and booleans become attributes, functions `on…` listeners. */
export type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;
export type Child = Node | string | number | null | undefined | false;

/** Builds an element: `h('button', { onclick: go, class: 'primary' }, 'Go')`. Text is never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(typeof child === 'number' ? String(child) : child);
  return el;
}

/** Replaces the children of `el`. */
export function fill(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren(...children.flat().filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false).map((c) => (typeof c === 'number' ? String(c) : c)));
}

/** A table of `rows` with one column per entry of `columns` (heading → cell). */
export function table<T>(rows: readonly T[], columns: Readonly<Record<string, (row: T) => Child>>, caption?: string): HTMLTableElement {
  const names = Object.keys(columns);
  return h(
    'table',
    {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, names.map((n) => h('th', { scope: 'col' }, n)))),
    h('tbody', {}, rows.length === 0 ? h('tr', {}, h('td', { colspan: names.length }, 'Nothing here.')) : rows.map((row) => h('tr', {}, names.map((n) => h('td', { 'data-label': n }, columns[n]!(row)))))),
  );
}

/** A status line for errors and outcomes, read out by screen readers. */
export function notice(text: string, kind: 'error' | 'ok' = 'error'): HTMLParagraphElement {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, kind === 'error' ? `Error: ${text}` : text);
}
