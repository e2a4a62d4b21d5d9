/**
 * Runs tasks one at a time per key (different keys run concurrently), e.g. the insight writes of one
 * Dataplane or one Zone, so two writers of the same record never race. A failing task is reported to
 * `onError` and does not block the ones after it.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  enqueue(key: string, task: () => Promise<void>, onError: (err: unknown) => void): Promise<void> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(task).catch(onError);
    this.tails.set(key, run);
    void run.then(() => {
      if (this.tails.get(key) === run) this.tails.delete(key);
    });
    return run;
  }

  /** Resolves when every task queued so far has finished. */
  async drain(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}

/**
 * A record written at once when asked (`flushNow`, `close`) and otherwise at most every `intervalMs`
 * while something changed (`changed`). After `close` (which runs `onClose` and writes a last time)
 * nothing is written again.
 */
export interface ThrottledFlush {
  changed(): void;
  flushNow(): Promise<void>;
  close(): Promise<void>;
  readonly closed: boolean;
}

export function throttledFlush(flush: () => Promise<void>, intervalMs: number, onClose: () => void): ThrottledFlush {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const run = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    return flush();
  };
  return {
    get closed() {
      return closed;
    },
    changed() {
      if (closed || timer) return;
      timer = setTimeout(() => void run(), intervalMs);
      timer.unref();
    },
    flushNow: () => (closed ? Promise.resolve() : run()),
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      onClose();
      return run();
    },
  };
}
