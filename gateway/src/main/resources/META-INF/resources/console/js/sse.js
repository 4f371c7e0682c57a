// Incremental text/event-stream parser (the subset the gateway sends: "event" and "data" fields, ":" comments).
// EventSource cannot POST or send an Authorization header, so streams are read with fetch and parsed here.

const LINE_END = /\r\n|\r|\n/;

/**
 * Returns { push(text) } that calls onEvent({ type, data }) for each complete event; type defaults to "message".
 * Text may arrive split anywhere, even inside a line or between a CR and its LF.
 */
export function createSseParser(onEvent) {
  let buffer = '';
  let type = '';
  let data = [];

  function dispatch() {
    if (data.length) onEvent({ type: type || 'message', data: data.join('\n') });
    type = '';
    data = [];
  }

  function readLine(line) {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return undefined; // keep-alive comment
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') type = value;
    else if (name === 'data') data.push(value);
    return undefined;
  }

  return {
    push(text) {
      buffer += text;
      for (;;) {
        const match = LINE_END.exec(buffer);
        if (!match) return;
        // A CR at the very end may be the first half of a CRLF split across chunks: wait for the next one.
        if (match[0] === '\r' && match.index === buffer.length - 1) return;
        readLine(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
  };
}
