import { Router } from 'express';
import { openApiDocument, openApiPath, type OpenApiDocument } from './openapi.js';
import type { RouteDeclaration } from './route-declaration.js';

/** The two routes of {@link apiDocsRouter}; anyone may read them. */
export const API_DOCS_ROUTES: readonly RouteDeclaration[] = Object.freeze([
  { method: 'GET', path: '/openapi.json', permission: 'read:public', docs: { summary: 'This document (OpenAPI 3.1)' } },
  { method: 'GET', path: '/docs', permission: 'read:public', docs: { summary: 'This document as a page (no script, no CDN)' } },
]);

/**
 * `GET /openapi.json` and `GET /docs` for the routes the host serves (read when asked: the
 * embedded host declares its modules' routes after the server listens).
 */
export function apiDocsRouter(routes: () => readonly RouteDeclaration[], info: { title: string; version: string }): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => void res.json(openApiDocument(routes(), info)));
  router.get('/docs', (_req, res) => void res.type('html').send(docsPage(openApiDocument(routes(), info), routes())));
  return router;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A page an operator reads offline: every operation, its permission, parameters and body schema. */
function docsPage(doc: OpenApiDocument, routes: readonly RouteDeclaration[]): string {
  const sections = routes.map((route) => {
    const op = doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()] as { summary: string; parameters?: { name: string; in: string; required: boolean }[]; requestBody?: { content: Record<string, { schema: unknown; example?: unknown }> } };
    const params = (op.parameters ?? []).map((p) => `<li><code>${escape(p.name)}</code> (${p.in}${p.required ? ', required' : ''})</li>`).join('');
    const bodies = Object.entries(op.requestBody?.content ?? {})
      .map(([type, c]) => `<p>body <code>${escape(type)}</code></p><pre>${escape(JSON.stringify(c.schema, null, 2))}</pre>${c.example !== undefined ? `<p>example</p><pre>${escape(JSON.stringify(c.example))}</pre>` : ''}`)
      .join('');
    return `<section><h2><code>${route.method} ${escape(openApiPath(route.path))}</code></h2><p>${escape(op.summary)} — needs <code>${escape(route.permission)}</code></p>${params ? `<ul>${params}</ul>` : ''}${bodies}</section>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(doc.info.title)} API</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.5rem;overflow:auto}h2{font-size:1rem;margin-top:1.5rem}</style></head>
<body><h1>${escape(doc.info.title)} API ${escape(doc.info.version)}</h1><p>${escape(doc.info.description)} Machine-readable: <a href="/openapi.json">/openapi.json</a>. Credentials: <code>Authorization: Bearer &lt;token&gt;</code>, or a session from <code>POST /api/v1/auth/login</code> (changes then need <code>x-csrf-token</code>).</p>
${sections.join('\n')}</body></html>`;
}
