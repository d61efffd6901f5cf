// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * All or nothing (DESIGN.md principle 6): each step registers how to undo
 * itself; on failure the undos run in reverse, all of them, and the original
 * error is rethrown (with any undo failures attached).
 */
export class Undo {
  private readonly steps: (() => unknown)[] = [];

  push(undo: () => unknown): void {
    this.steps.push(undo);
  }

  /** Runs `work`; if it throws, every registered undo runs, newest first. */
  async run<T>(work: (undo: Undo) => Promise<T>): Promise<T> {
    try {
      return await work(this);
    } catch (error) {
      const failures: unknown[] = [];
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch (e) {
          failures.push(e);
        }
      }
      if (failures.length > 0 && error instanceof Error) {
        Object.assign(error, { undoErrors: failures });
      }
      throw error;
    }
  }
}

/** Runs `work` with a fresh undo stack. */
export function allOrNothing<T>(work: (undo: Undo) => Promise<T>): Promise<T> {
  return new Undo().run(work);
}
