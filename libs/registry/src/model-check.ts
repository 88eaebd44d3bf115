import { checkScoringModel, isScoringKind, type ModelCheckOutcome } from '@premonitor/ml/scoring';

/**
 * Checks model bytes before they may become production: resolves the outcome, or undefined
 * for a kind without a check. Injected into `ModelRegistry`; the default is
 * {@link checkScoringContract}.
 */
export type ModelCheck = (kind: string, bytes: Uint8Array) => Promise<ModelCheckOutcome | undefined>;

/**
 * The default check: acoustic and thermal models against their scoring contract (I/O names,
 * types and shapes, metadata, the reference batch in onnxruntime — `@premonitor/ml/scoring`);
 * other kinds (forecast) have no contract here and are not checked.
 */
export const checkScoringContract: ModelCheck = async (kind, bytes) => (isScoringKind(kind) ? checkScoringModel(bytes, kind) : undefined);
