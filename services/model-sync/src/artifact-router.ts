import { Router, type Request, type Response } from 'express';
import { MODEL_KINDS, parseDeviceKey } from '@premonitor/contracts';
import { ArtifactNotFoundError, isSha256, type ArtifactStore, type ModelRegistry } from '@premonitor/registry';
import type { DeviceTelemetryModels } from './device-telemetry-models.js';

/**
 * `GET /models/{kind}/artifact/{sha256}`: the bytes of a registered model of that kind, with
 * Content-Length (the agent checks it against the announced size before reading a byte).
 * 404 for an unknown kind, a malformed hash, or a hash that is not a model of that kind —
 * the artifact store is never probed with arbitrary paths.
 *
 * `GET /models/telemetry/devices/{site}/{device}/artifact/{sha256}`: a device's own telemetry
 * model, while it is that device's current one (404 once refitted or reset).
 */
export function createArtifactRouter(registry: ModelRegistry, store: ArtifactStore, deviceModels: DeviceTelemetryModels): Router {
  const router = Router();
  router.get('/models/telemetry/devices/:site/:device/artifact/:sha256', async (req: Request<{ site: string; device: string; sha256: string }>, res: Response) => {
    const { site, device, sha256 } = req.params;
    const ref = parseDeviceKey(`${site}/${device}`);
    if (!ref || !isSha256(sha256)) return res.status(404).json({ error: 'not_found', message: 'the address must name a valid site, device and lower-case hex sha256' });
    const model = await deviceModels.artifact(ref, sha256);
    if (!model) return res.status(404).json({ error: 'not_found', message: `${site}/${device} has no current telemetry model with sha256 ${sha256}` });
    sendArtifact(res, model.bytes);
  });
  router.get('/models/:kind/artifact/:sha256', async (req: Request<{ kind: string; sha256: string }>, res: Response) => {
    const { kind, sha256 } = req.params;
    const notFound = (why: string) => res.status(404).json({ error: 'not_found', message: why });
    if (!(MODEL_KINDS as readonly string[]).includes(kind)) return notFound(`unknown model kind '${kind}'`);
    if (!isSha256(sha256)) return notFound('the artifact address must be a lower-case hex sha256');
    const known = (await registry.list({ kind })).some((m) => m.sha256 === sha256);
    if (!known) return notFound(`no ${kind} model with sha256 ${sha256}`);
    let bytes: Uint8Array;
    try {
      bytes = await store.get(sha256);
    } catch (err) {
      if (err instanceof ArtifactNotFoundError) return notFound(`artifact ${sha256} is registered but missing from the store`);
      throw err;
    }
    sendArtifact(res, bytes);
  });
  return router;
}

/** The bytes with their exact Content-Length (agents compare it with the announced size); immutable, as the address is their hash. */
function sendArtifact(res: Response, bytes: Uint8Array): void {
  res.status(200).set({ 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength), 'cache-control': 'public, max-age=31536000, immutable' });
  res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
