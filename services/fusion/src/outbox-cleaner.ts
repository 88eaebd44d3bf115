/**
 * Deletes published outbox entries in the background, everything pending in one statement, one
 * statement at a time. Publishing no longer waits for the delete (a round trip and a commit per
 * alert); an entry whose delete was lost to a crash or an error is published again by the next
 * outbox sweep, which the bus (message id) and the notifier (idempotency key) make a no-op.
 */
export class OutboxCleaner {
  #pending: number[] = [];
  #running: Promise<void> | undefined;

  constructor(
    private readonly remove: (eventIds: readonly number[]) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Queues published entries for deletion. */
  add(eventIds: readonly number[]): void {
    for (const id of eventIds) this.#pending.push(id);
    this.#kick();
  }

  /** Resolves once every entry queued so far was deleted (or its delete failed). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #kick(): void {
    if (this.#running || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#running = this.remove(batch)
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.#running = undefined;
        this.#kick();
      });
  }
}
