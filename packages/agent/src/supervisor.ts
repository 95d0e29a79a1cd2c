/**
 * Keeps the node's components as the reconciler says: starts, stops and restarts them through a
 * ComponentRunner (the app decides how a component runs: the CLI runs each as a child process), and tells
 * the reconciler what it sees. A component that exits by itself counts a failure; one that has run for a
 * minute has its failures forgiven.
 */
import type { Action, ComponentName, ObservedComponent } from './reconcile.js';

export interface RunningComponent {
  readonly pid: number | undefined;
  /** Resolves when the component has exited, however it ended. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

export interface ComponentRunner {
  /** The components this runner can run on this node. */
  readonly names: readonly ComponentName[];
  /** Starts one; resolves once it serves, rejects when it cannot start. */
  start(name: ComponentName): Promise<RunningComponent>;
}

export type ComponentStateName = 'running' | 'starting' | 'stopped' | 'waiting';

export interface ComponentStatus {
  readonly name: ComponentName;
  readonly state: ComponentStateName;
  readonly pid?: number;
  /** Times it was started again after it had run. */
  readonly restarts: number;
  /** Since when it is in this state (ISO). */
  readonly since: string;
  readonly lastError?: string;
}

const FORGIVE_AFTER_MS = 60_000;

interface Slot {
  running?: RunningComponent;
  starting?: Promise<void>;
  failures: number;
  restarts: number;
  startedAt?: number;
  lastExitAt?: number;
  lastError?: string;
  since: number;
  waiting: boolean;
  stopping: boolean;
}

export class Supervisor {
  private readonly slots = new Map<ComponentName, Slot>();
  /** Set by stopAll: nothing starts any more (a restart in flight would otherwise outlive the agent). */
  private closed = false;

  constructor(
    private readonly runner: ComponentRunner,
    private readonly now: () => number = Date.now,
    private readonly onChange: () => void = () => undefined,
  ) {}

  observe(): ObservedComponent[] {
    const now = this.now();
    return [...this.slots].map(([name, slot]) => {
      if (
        slot.running &&
        slot.failures > 0 &&
        slot.startedAt !== undefined &&
        now - slot.startedAt > FORGIVE_AFTER_MS
      )
        slot.failures = 0;
      return {
        name,
        running: slot.running !== undefined || slot.starting !== undefined,
        failures: slot.failures,
        ...(slot.lastExitAt !== undefined ? { lastExitAt: slot.lastExitAt } : {}),
      };
    });
  }

  status(): ComponentStatus[] {
    return [...this.slots].map(([name, slot]) => ({
      name,
      state: slot.running ? 'running' : slot.starting ? 'starting' : slot.waiting ? 'waiting' : 'stopped',
      ...(slot.running?.pid !== undefined ? { pid: slot.running.pid } : {}),
      restarts: slot.restarts,
      since: new Date(slot.since).toISOString(),
      ...(slot.lastError !== undefined ? { lastError: slot.lastError } : {}),
    }));
  }

  /** Carries out the reconciler's actions; starts run in the background (observe() sees them running). */
  apply(actions: readonly Action[]): void {
    for (const action of actions) {
      const slot = this.slot(action.component);
      if (action.type === 'wait') {
        if (!slot.waiting) {
          slot.waiting = true;
          slot.since = this.now();
          this.onChange();
        }
      } else if (action.type === 'start') {
        this.start(action.component, slot);
      } else if (action.type === 'stop') {
        void this.stop(slot).catch((err: unknown) => this.failed(slot, err));
      } else {
        void this.stop(slot).then(
          () => this.start(action.component, slot),
          (err: unknown) => this.failed(slot, err),
        );
      }
    }
  }

  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.slots.values()].map((slot) => this.stop(slot).catch(() => undefined)));
  }

  private failed(slot: Slot, err: unknown): void {
    slot.lastError = err instanceof Error ? err.message : String(err);
    this.onChange();
  }

  private slot(name: ComponentName): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = { failures: 0, restarts: 0, since: this.now(), waiting: false, stopping: false };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private start(name: ComponentName, slot: Slot): void {
    if (this.closed || slot.running || slot.starting) return;
    const hadRun = slot.startedAt !== undefined;
    slot.waiting = false;
    slot.since = this.now();
    slot.starting = this.runner.start(name).then(
      (running) => {
        slot.starting = undefined;
        if (this.closed) {
          void running.stop().catch(() => undefined);
          return;
        }
        slot.running = running;
        slot.startedAt = this.now();
        slot.since = this.now();
        if (hadRun) slot.restarts++;
        this.onChange();
        void running.exited.then((how) => {
          if (slot.running !== running) return;
          slot.running = undefined;
          slot.lastExitAt = this.now();
          slot.since = this.now();
          if (!slot.stopping) {
            slot.failures++;
            slot.lastError = `exited: ${how}`;
          }
          this.onChange();
        });
      },
      (err: unknown) => {
        slot.starting = undefined;
        slot.failures++;
        slot.lastExitAt = this.now();
        slot.since = this.now();
        slot.lastError = err instanceof Error ? err.message : String(err);
        this.onChange();
      },
    );
    this.onChange();
  }

  private async stop(slot: Slot): Promise<void> {
    await slot.starting;
    const running = slot.running;
    if (!running) return;
    slot.stopping = true;
    try {
      await running.stop();
      await running.exited;
    } finally {
      slot.stopping = false;
      if (slot.running === running) {
        slot.running = undefined;
        slot.lastExitAt = this.now();
        slot.since = this.now();
      }
      this.onChange();
    }
  }
}
