import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * A V8 CPU profile of this process over one phase (`node --cpu-prof` would cover the whole run,
 * where the ceiling phase's plain subscriber dwarfs ingest). Open the file in Chrome DevTools
 * or speedscope.
 */
export class PhaseProfiler {
  readonly #session = new Session();

  private constructor(private readonly file: string) {}

  static async start(file: string): Promise<PhaseProfiler> {
    const profiler = new PhaseProfiler(file);
    profiler.#session.connect();
    await profiler.#session.post('Profiler.enable');
    await profiler.#session.post('Profiler.start');
    return profiler;
  }

  async stop(): Promise<void> {
    const { profile } = await this.#session.post('Profiler.stop');
    await writeFile(this.file, JSON.stringify(profile));
    this.#session.disconnect();
  }
}
