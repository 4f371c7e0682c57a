// Re-reads figures that have no stream of their own (the usage counters) when the Monitor stream says they may have
// changed: at its first sample, then at any sample with requests arriving or in flight, or in flight changing.
// Nothing is read while the gateway is idle, and refreshes never overlap (one more runs after a slow one if needed).

export function refreshOnActivity(monitor, refresh) {
  let unsubscribe = null;
  let running = false;
  let again = false;

  async function run() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await refresh();
    } catch (error) {
      console.error(error); // refresh reports its own API errors; this is a bug
    }
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
      unsubscribe = monitor.subscribe({
        onSample(sample) {
          const inFlight = Number(sample.inFlight ?? 0);
          if (previousInFlight === null || Number(sample.requestsPerSecond ?? 0) > 0 || inFlight > 0 || inFlight !== previousInFlight) {
            run();
          }
          previousInFlight = inFlight;
        },
      });
    },
    stop() {
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
