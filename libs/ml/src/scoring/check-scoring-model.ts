import * as ort from 'onnxruntime-node';
import { checkScoringIo, readScoringMetadata, scoringInputName, type IoDescription, type ScoringKind, type ScoringMetadata } from './model-contract.js';
import { checkReferenceBatch } from './reference-batch.js';
import { ModelContractError } from './scoring-errors.js';
import { runScoringSession, scoringSessionOptions, type ScoringRunner } from './scoring-session.js';

/** The result of checking a model before it may become production. */
export type ModelCheckOutcome = { readonly status: 'passed'; readonly detail: string } | { readonly status: 'failed'; readonly reason: string };

/**
 * Checks a loaded model against its kind's contract — the declared I/O (`checkScoringIo`),
 * then the reference batch (`checkReferenceBatch`) through `runner` — and throws
 * {@link ModelContractError} listing every problem. Loaders call it before a model goes into
 * service, with the runner they will serve with (a worker thread, a local session).
 */
export async function verifyScoringModel(meta: ScoringMetadata, io: { readonly inputs: readonly IoDescription[]; readonly outputs: readonly IoDescription[] }, runner: ScoringRunner): Promise<void> {
  const ioProblems = checkScoringIo(meta, io.inputs, io.outputs);
  // A model whose I/O is wrong cannot be fed the reference batch meaningfully.
  const problems = ioProblems.length > 0 ? ioProblems : await checkReferenceBatch(meta, runner);
  if (problems.length > 0) throw new ModelContractError(`model ${meta.version} fails the ${meta.kind} contract: ${problems.join('; ')}`);
}

/**
 * The whole check on bytes, with a session of its own: metadata, onnxruntime loads it, the
 * I/O contract, the reference batch. Never throws for a bad model — the outcome says why —
 * so a registry can record the reason beside the model.
 */
export async function checkScoringModel(bytes: Uint8Array, kind: ScoringKind): Promise<ModelCheckOutcome> {
  let meta: ScoringMetadata;
  try {
    meta = readScoringMetadata(bytes, kind);
  } catch (err) {
    return { status: 'failed', reason: (err as Error).message };
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, scoringSessionOptions({ intraOpThreads: 1 }));
  } catch (err) {
    return { status: 'failed', reason: `model ${meta.version}: onnxruntime cannot load it: ${(err as Error).message}` };
  }
  try {
    const contract = { inputName: scoringInputName(kind), version: meta.version, frameShape: meta.frameShape, baseline: meta.baseline };
    await verifyScoringModel(meta, { inputs: session.inputMetadata, outputs: session.outputMetadata }, { run: (input, rows, baselines) => runScoringSession(session, contract, input, rows, baselines) });
    return { status: 'passed', detail: `${meta.kind} contract and reference batch passed${meta.baseline ? ' (fleet and baseline)' : ''}` };
  } catch (err) {
    if (err instanceof ModelContractError) return { status: 'failed', reason: err.message };
    throw err;
  } finally {
    await session.release();
  }
}
