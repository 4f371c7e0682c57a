// The console's HTTP API: POST /console/api/<Service>/<Method> with the gRPC request as proto3 JSON, answered with
// JSON (unary) or text/event-stream (server streaming). Errors carry the gRPC status name.
import { createSseParser } from './sse.js';

// Resolved from this module's own address so the console works under any path prefix.
const API_ROOT = new URL('../api/', import.meta.url);

// For error bodies that are not the gateway's JSON (a proxy's page, an empty 502...).
const CODE_BY_STATUS = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION', 429: 'RESOURCE_EXHAUSTED', 499: 'CANCELLED', 500: 'INTERNAL', 501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

/** A failed call: code is the gRPC status name, status the HTTP status (0 when no answer came). */
export class ApiError extends Error {
  constructor(code, message, status = 0) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/** Whether an error is the caller's own cancellation (Stop, leaving a view, signing out). */
export function isAbort(error) {
  return error?.name === 'AbortError';
}

async function errorFromResponse(response) {
  let code = CODE_BY_STATUS[response.status] ?? 'UNKNOWN';
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = JSON.parse(await response.text());
    if (body && typeof body.code === 'string') code = body.code;
    if (body && typeof body.message === 'string') message = body.message;
  } catch {
    // Not JSON: keep what the HTTP status says.
  }
  return new ApiError(code, message, response.status);
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('INTERNAL', `The gateway sent ${what} that is not JSON`);
  }
}

/** An API client that authenticates every call with the given key. */
export function createApi(apiKey) {
  async function post(service, method, body, signal, accept) {
    let response;
    try {
      response = await fetch(new URL(`${service}/${method}`, API_ROOT), {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', Accept: accept },
        body: JSON.stringify(body ?? {}),
        cache: 'no-store',
        signal,
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError('UNAVAILABLE', `Cannot reach the gateway (${error.message})`);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  /** A unary call: resolves to the response message. */
  async function call(service, method, body = {}, { signal } = {}) {
    const response = await post(service, method, body, signal, 'application/json');
    const text = await response.text();
    return text ? parseJson(text, 'an answer') : {};
  }

  /**
   * A server-streaming call: onOpen() once the stream is accepted, onMessage(message) for each message; resolves
   * at the stream's end event, rejects with ApiError on an error event or when the connection drops before the end.
   */
  async function stream(service, method, body = {}, { signal, onMessage, onOpen } = {}) {
    const response = await post(service, method, body, signal, 'text/event-stream');
    onOpen?.();
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let ended = false;
    let failure = null;
    const parser = createSseParser(({ type, data }) => {
      if (ended || failure) return;
      if (type === 'end') ended = true;
      else if (type === 'error') {
        const error = parseJson(data, 'an error');
        failure = new ApiError(error.code ?? 'UNKNOWN', error.message ?? 'The stream failed', response.status);
      } else if (type === 'message') onMessage?.(parseJson(data, 'a message'));
    });
    let drained = false;
    try {
      while (!ended && !failure) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (isAbort(error)) throw error;
          throw new ApiError('UNAVAILABLE', `The stream was interrupted (${error.message})`);
        }
        if (chunk.done) {
          drained = true;
          break;
        }
        parser.push(decoder.decode(chunk.value, { stream: true }));
      }
    } finally {
      // Stop reading (and free the connection) when we leave early: end or error event, or a handler threw.
      if (!drained) reader.cancel().catch(() => {});
    }
    if (failure) throw failure;
    if (!ended) throw new ApiError('UNAVAILABLE', 'The stream closed before its end');
  }

  return { call, stream };
}
