import { fork, type ChildProcess } from 'node:child_process';
import type { PhaseResult, PublisherSpec } from '@premonitor/testkit';

export type FleetRequest =
  | { readonly type: 'connect'; readonly publishers: readonly PublisherSpec[] }
  | { readonly type: 'run'; readonly seconds?: number; readonly total?: number; readonly rate?: number }
  | { readonly type: 'close' };

export type FleetReply =
  | { readonly type: 'connected' }
  | { readonly type: 'ran'; readonly result: PhaseResult }
  | { readonly type: 'error'; readonly message: string };

/**
 * The bench's devices: P raw MQTT publishers in one child process, driven phase by phase
 * (ceiling, sustained, burst) over IPC. Each device keeps its seq counter across phases.
 */
export class PublisherFleet {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #waiter: { resolve: (reply: FleetReply) => void; reject: (err: Error) => void } | undefined;

  private constructor() {
    this.#child = fork(new URL('./publisher-process.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (m) => {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter?.resolve(m as FleetReply);
    });
    this.#exited = new Promise((resolve) =>
      this.#child.once('exit', (code) => {
        this.#waiter?.reject(new Error(`publisher process exited (code ${code}) before answering`));
        this.#waiter = undefined;
        resolve();
      }),
    );
  }

  /** Forks the publisher process and connects every device. */
  static async start(publishers: readonly PublisherSpec[]): Promise<PublisherFleet> {
    const fleet = new PublisherFleet();
    try {
      await fleet.#request({ type: 'connect', publishers }, 'connected');
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  /** The publisher process id (for the CPU report). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Publishes for `seconds`, or `total` messages spread over the devices; resolves once acked.
   * `rate` > 0: that many messages per second across the fleet, shared evenly by the devices.
   */
  async run(limit: { seconds?: number; total?: number; rate?: number }): Promise<PhaseResult> {
    const reply = await this.#request({ type: 'run', ...limit }, 'ran');
    return (reply as Extract<FleetReply, { type: 'ran' }>).result;
  }

  /** Disconnects the devices and ends the process (killing it if it does not leave in 5 s). */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    if (this.#child.connected) this.#child.send({ type: 'close' } satisfies FleetRequest);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
  }

  #request(request: FleetRequest, expect: FleetReply['type']): Promise<FleetReply> {
    return new Promise<FleetReply>((resolve, reject) => {
      this.#waiter = {
        resolve: (reply) => (reply.type === expect ? resolve(reply) : reject(new Error(reply.type === 'error' ? reply.message : `unexpected ${reply.type}`))),
        reject,
      };
      this.#child.send(request);
    });
  }
}
