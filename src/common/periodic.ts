/**
 * A background job on an unref'd timer: the next run is scheduled only
 * when the last one has finished, so runs never overlap, and a failure is
 * reported and the job goes on.
 */
export interface Periodic {
  /** Stops scheduling; waits for a run in progress. */
  stop(): Promise<void>;
}

export function every(intervalMs: number, run: () => Promise<unknown>, onError: (error: unknown) => void): Periodic {
  let stopped = false;
  let current: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    current = run()
      .catch(onError)
      .finally(() => {
        current = undefined;
        if (!stopped) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  timer = setTimeout(tick, intervalMs).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
