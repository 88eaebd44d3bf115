import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { consoleRouter } from './console-files.js';

describe('console files', () => {
  let server: Server;
  let base = '';
  before(async () => {
    const app = express().use('/', consoleRouter());
    app.use((err: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(err.status ?? 500).end());
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('serves the page at / and its compiled modules and style sheet under /console/', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/console\/app\.js">/);
    const app = await fetch(`${base}/console/app.js`);
    assert.equal(app.status, 200);
    assert.match(app.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await fetch(`${base}/console/console.css`)).status, 200);
  });

  it('serves nothing else: no source maps, declarations, sources, sub-folders or parent folders', async () => {
    for (const path of ['/console/app.d.ts', '/console/app.ts', '/console/missing.js', '/console/..%2Fpackage.json', '/console/index.html', '/console/tsconfig.json']) {
      assert.equal((await fetch(`${base}${path}`)).status, 404, path);
    }
  });
});
