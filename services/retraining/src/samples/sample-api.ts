import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ID_PATTERN, deviceKey } from '@premonitor/contracts';
import type { Database } from '@premonitor/db';
import { requestActor, validateInput } from '@premonitor/http';
import type { Kysely } from 'kysely';
import { readMultipart, type MultipartLimits } from './multipart-upload.js';
import type { SampleIntake, SampleOutcome } from './sample-intake.js';
import { SAMPLE_KINDS, SAMPLE_LABELS } from './sample-kinds.js';
import { sampleRepository } from './sample-repository.js';

const listQuery = z.strictObject({
  kind: z.enum(SAMPLE_KINDS).optional(),
  label: z.enum(SAMPLE_LABELS).optional(),
  site: z.string().regex(ID_PATTERN).optional(),
  device: z.string().regex(ID_PATTERN).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

/** Who uploads: the credential's user, set by the host's access control (never a header or the body); `anonymous` on a bare server. */
function uploader(res: Response): string {
  return requestActor(res) ?? 'anonymous';
}

/**
 * `POST /samples` (multipart: fields `kind`, `label`, `faultClass`, `site`, `device`, `note`,
 * `channel`, then one or more files; a field applies to the files after it) and
 * `GET /samples?kind&label&site&device` (the newest samples and the counts per kind, label
 * and fault class). The answer to a POST lists every file with its own status: 201 when all
 * were stored, the refusal's status when every file was refused, 207 when some were.
 */
export function createSampleRouter(intake: SampleIntake, db: Kysely<Database>, limits: MultipartLimits): Router {
  const router = Router();
  router.post('/samples', async (req: Request, res: Response) => {
    const parsed = await readMultipart(req, limits);
    if (!parsed.ok) {
      res.status(parsed.status).set('connection', parsed.status === 413 ? 'close' : 'keep-alive').json({ error: parsed.error, message: parsed.message });
      return;
    }
    if (parsed.files.length === 0) {
      res.status(400).json({ error: 'no_files', message: 'the request holds no file part' });
      return;
    }
    const who = uploader(res);
    const files: SampleOutcome[] = [];
    for (const file of parsed.files) files.push(await intake.take(file, file.fields, who));
    const stored = files.filter((f) => f.status < 300).length;
    const status = stored === files.length ? (files.some((f) => f.status === 201) ? 201 : 200) : stored === 0 ? Math.max(...files.map((f) => f.status)) : 207;
    res.status(status).json({ stored, refused: files.length - stored, filesDropped: parsed.filesDropped, files });
  });

  router.get('/samples', async (req: Request, res: Response) => {
    const q = validateInput(listQuery, req.query);
    if ((q.site === undefined) !== (q.device === undefined)) {
      res.status(400).json({ error: 'invalid_request', message: 'site and device come together', field: q.site === undefined ? 'site' : 'device' });
      return;
    }
    const filter = { kind: q.kind, label: q.label, device: q.site && q.device ? deviceKey({ site: q.site, device: q.device }) : undefined };
    const [items, counts] = await Promise.all([sampleRepository.list(db, filter, q.limit), sampleRepository.counts(db, filter)]);
    res.json({ total: counts.reduce((a, c) => a + c.count, 0), counts, items });
  });
  return router;
}
