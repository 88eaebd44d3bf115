// The test run's empty PGlite database: scripts/run-tests.mjs creates it once (one initdb) and
// names it in PGLITE_TEMPLATE_DIR; every test's new PGlite folder is then a copy of it instead
// of its own initdb (5–50 s of WASM bootstrap each, depending on load, against about a second).
// Migrations still run on every copy: the template holds what initdb made and nothing else.
// A test file run on its own (no runner) gets nothing here and runs initdb as a platform does.

/** Spread into `openDatabase({ kind: 'pglite', … })`. */
export function pgliteTemplate(): { template?: string } {
  const dir = process.env['PGLITE_TEMPLATE_DIR'];
  return dir ? { template: dir } : {};
}

/** Spread into an embedded platform's environment (its `PGLITE_TEMPLATE_DIR` setting). */
export function pgliteTemplateEnv(): { PGLITE_TEMPLATE_DIR?: string } {
  const dir = process.env['PGLITE_TEMPLATE_DIR'];
  return dir ? { PGLITE_TEMPLATE_DIR: dir } : {};
}
