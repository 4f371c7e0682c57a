// Re-reads figures that have no stream of their own (the usage counters) when the Monitor stream says they may have
// changed: at its first sample, then at any sample with requests arriving or in flight, or in flight changing.
// Nothing is read while the gateway is idle, and refreshes never overlap (one more runs after a slow one if needed).
import { isAbort } from './api.js';

/**
 * Returns { start, stop, refresh } for a view whose load() reads and renders its figures; a failed load is reported
 * once, under label, and stops the refreshing.
 */
export function refreshOnActivity(ctx, label, load) {
  let unsubscribe = null;
  let running = false;
  let again = false;

  async function refresh() {
    try {
      await load();
    } catch (error) {
      if (!isAbort(error)) {
        stop(); // one alert, not one per sample
        ctx.notify.error(error, label);
      }
    }
  }

  function stop() {
    unsubscribe?.();
    unsubscribe = null;
  }

  async function run() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    await refresh();
    running = false;
    if (again) {
      again = false;
      run();
    }
  }

  return {
    start() {
      if (unsubscribe) return;
      let previousInFlight = null;
      unsubscribe = ctx.monitor.subscribe({
        onSample(sample) {
          const inFlight = Number(sample.inFlight ?? 0);
          if (previousInFlight === null || Number(sample.requestsPerSecond ?? 0) > 0 || inFlight > 0 || inFlight !== previousInFlight) {
            run();
          }
          previousInFlight = inFlight;
        },
      });
    },
    stop,
    refresh,
  };
}
