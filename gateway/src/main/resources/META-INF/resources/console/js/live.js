// Keeps a live stream (Watch, Monitor) open: reconnects after a drop with a growing delay, and stops for good on
// errors that retrying cannot fix (a revoked key, a scope the caller may not see, a malformed request).
import { ApiError, isAbort } from './api.js';

const FINAL_CODES = new Set(['UNAUTHENTICATED', 'PERMISSION_DENIED', 'INVALID_ARGUMENT', 'UNIMPLEMENTED']);
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 15000;

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

/**
 * Opens service/method with body and keeps it open until close() or the signal aborts.
 * onOpen() runs at each (re)connection, before its messages (Watch streams resend their snapshot then);
 * onState(state, error) reports 'connecting', 'live', 'reconnecting' or 'stopped'.
 */
export function openLiveStream({ api, service, method, body = {}, signal, onMessage, onOpen, onState }) {
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal?.addEventListener('abort', stop, { once: true });

  (async () => {
    let delay = FIRST_DELAY_MS;
    let first = true;
    while (!controller.signal.aborted) {
      onState?.(first ? 'connecting' : 'reconnecting');
      first = false;
      let error = null;
      try {
        await api.stream(service, method, body, {
          signal: controller.signal,
          onOpen: () => { delay = FIRST_DELAY_MS; onOpen?.(); onState?.('live'); },
          onMessage,
        });
        error = new ApiError('UNAVAILABLE', 'The gateway ended the stream');
      } catch (caught) {
        if (isAbort(caught) || controller.signal.aborted) break;
        if (!(caught instanceof ApiError)) throw caught; // a bug in a handler, not a network problem
        error = caught;
        if (FINAL_CODES.has(error.code)) {
          onState?.('stopped', error);
          return;
        }
      }
      onState?.('reconnecting', error);
      // Jitter spreads the reconnections of many consoles after a gateway restart.
      await sleep(delay * (0.8 + Math.random() * 0.4), controller.signal);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  })().catch((error) => {
    // A bug in a message handler: report it rather than reconnect into it again and again.
    console.error(error);
    onState?.('stopped', new ApiError('INTERNAL', error.message));
  });

  return {
    close() {
      signal?.removeEventListener('abort', stop);
      stop();
    },
  };
}
