import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { HttpError, type RouteDeclaration } from '@premonitor/http';

/** The page and its assets: the compiled ES modules (dist/web) and the hand-written files (web/). */
const COMPILED = fileURLToPath(new URL('./web/', import.meta.url));
const SOURCE = fileURLToPath(new URL('../web/', import.meta.url));
/** Asset names are flat and plain: nothing else can be asked for (no `..`, no sub-folders). */
const ASSET = /^[a-z0-9-]+\.(js|css)$/;

/** The console's routes: public, as the page must load before anyone logs in; the data it shows comes from the API with the user's session. */
export const CONSOLE_ROUTES: readonly RouteDeclaration[] = Object.freeze([
  { method: 'GET', path: '/', permission: 'read:public', docs: { summary: 'The operator console (a page; log in there)' } },
  { method: 'GET', path: '/console/:file', permission: 'read:public', docs: { summary: 'The console’s scripts and style sheet' } },
]);

/** Serves the console: `/` the page, `/console/<name>.js|css` its assets, all from the package (no CDN: plants are often offline). */
export function consoleRouter(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.set('Cache-Control', 'no-cache').sendFile('index.html', { root: SOURCE });
  });
  router.get('/console/:file', (req, res, next) => {
    const file = req.params.file;
    if (!ASSET.test(file)) return next(new HttpError(404, 'not_found', `no console asset ${file}`));
    // no-cache = revalidate by ETag: a new build is picked up at the next load, unchanged files cost a 304.
    res.set('Cache-Control', 'no-cache').sendFile(file, { root: file.endsWith('.css') ? SOURCE : COMPILED }, (err) => {
      if (err) next(new HttpError(404, 'not_found', `no console asset ${file}`));
    });
  });
  return router;
}
