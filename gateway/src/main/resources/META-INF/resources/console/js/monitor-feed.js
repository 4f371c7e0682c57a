// One Monitor/Watch stream shared by the views that show it (Residency, Engine, the adapters' residency column):
// open while at least one of them is on screen, closed when none is, and with the last two minutes of samples kept
// so the Engine charts are not empty when the user comes back to them.
import { openLiveStream } from './live.js';

export const WINDOW_MS = 120_000;
const MAX_SAMPLES = 120;

/** Creates the feed for one signed-in session; signal aborts it at sign-out. */
export function createMonitorFeed({ api, signal }) {
  const subscribers = new Set();
  let samples = []; // { t: epoch ms, sample }
  let stream = null;
  let state = { name: 'stopped', error: null };

  function receive(sample) {
    const parsed = Date.parse(sample.at);
    const t = Number.isNaN(parsed) ? Date.now() : parsed;
    samples.push({ t, sample });
    const oldest = t - WINDOW_MS;
    samples = samples.filter((entry) => entry.t >= oldest).slice(-MAX_SAMPLES);
    for (const subscriber of subscribers) subscriber.onSample?.(sample, samples);
  }

  function setState(name, error = null) {
    state = { name, error };
    for (const subscriber of subscribers) subscriber.onState?.(name, error);
  }

  function open() {
    stream = openLiveStream({ api, service: 'Monitor', method: 'Watch', body: {}, signal, onMessage: receive, onState: setState });
  }

  return {
    /**
     * Adds { onSample(sample, samples), onState(state, error) }; it gets the current state and latest sample at
     * once. Returns the function that removes it.
     */
    subscribe(subscriber) {
      subscribers.add(subscriber);
      if (!stream && !signal.aborted) open();
      subscriber.onState?.(state.name, state.error);
      if (samples.length) subscriber.onSample?.(samples[samples.length - 1].sample, samples);
      return () => {
        subscribers.delete(subscriber);
        if (!subscribers.size && stream) {
          stream.close();
          stream = null;
          state = { name: 'stopped', error: null };
        }
      };
    },
  };
}

/**
 * A view's show/hide while it is fed by the monitor: subscribed only while shown, its connection badge kept up to
 * date and a stream that ends in an error reported once.
 */
export function whileShown(ctx, badge, onSample) {
  let unsubscribe = null;
  return {
    show() {
      unsubscribe = ctx.monitor.subscribe({
        onSample,
        onState: (state, error) => {
          badge.set(state, error);
          if (state === 'stopped' && error) ctx.notify.error(error, 'Monitor');
        },
      });
    },
    hide() {
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
