import { InProcessBus } from '@premonitor/bus';
import { CORE_SCHEMA, migrate, openDatabase } from '@premonitor/db';
import type { DatabaseOptions, Json } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { FileArtifactStore, ModelRegistry, REGISTRY_SCHEMA } from '@premonitor/registry';
import { ModelRegistrationError } from './training-errors.js';
import type { TrainedModel } from './trained-model.js';

/** Where to register: a database and the artifact folder the registry stores files in. */
export interface RegistrationTarget {
  readonly database: DatabaseOptions;
  /** Content-addressed artifact folder (the embedded platform's model store). */
  readonly artifactDir: string;
  readonly logger: Logger;
}

/** What the registry answered. */
export interface RegistrationResult {
  readonly version: string;
  readonly stage: string;
  readonly sha256: string;
}

/**
 * Registers the float32 model as a candidate (the registry promotes the first model of a
 * kind to production). The promotion event goes to an in-process bus: a running platform
 * learns about it when it next loads production, not live — a trainer inside the
 * platform would pass the platform's bus instead.
 */
export async function registerTrainedModel(model: TrainedModel, target: RegistrationTarget): Promise<RegistrationResult> {
  const handle = await openDatabase(target.database);
  const bus = new InProcessBus();
  try {
    await migrate(handle, { logger: target.logger, schema: [CORE_SCHEMA, REGISTRY_SCHEMA] });
    await bus.start();
    const registry = new ModelRegistry({ db: handle.db, bus, store: new FileArtifactStore(target.artifactDir), logger: target.logger });
    const record = await registry.register({ kind: model.kind, scope: '', bytes: model.bytes, metrics: model.metadata.metrics ?? {}, metadata: { report_summary: model.summary as Json } });
    return { version: record.version, stage: record.stage, sha256: record.sha256 };
  } catch (cause) {
    throw new ModelRegistrationError(`registering ${model.kind} ${model.version} failed: ${(cause as Error).message}`, { cause });
  } finally {
    await bus.stop();
    await handle.close();
  }
}
