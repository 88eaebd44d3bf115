/** Options of {@link deleteInBatches}. */
export interface DeleteInBatchesOptions {
  /** Rows per delete statement (default 5,000): short transactions, short locks. */
  readonly batchSize?: number;
  /** Most statements per call (default 100); the next call carries on. */
  readonly maxBatches?: number;
}

/**
 * Runs `deleteBatch(limit)` — one statement deleting at most `limit` rows, returning how many
 * it deleted — until a batch comes back short or `maxBatches` ran, so a large backlog never
 * becomes one long transaction. Resolves with the total.
 */
export async function deleteInBatches(deleteBatch: (limit: number) => Promise<number>, options: DeleteInBatchesOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? 100;
  let removed = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const n = await deleteBatch(batchSize);
    removed += n;
    if (n < batchSize) break;
  }
  return removed;
}
