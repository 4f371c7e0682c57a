// DOM builders. Server data (names, metrics, generated text) is untrusted, so every string goes in through
// textContent or setAttribute, never through innerHTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Keys set as DOM properties rather than attributes (their attribute only sets the initial state).
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'readOnly', 'required', 'tabIndex']);

/**
 * Creates an element: el('button', { type: 'button', class: 'primary', onClick }, 'Save').
 * Props: class, text, dataset, on<Event> handlers, DOM properties (value, hidden...), anything else as an attribute;
 * null, undefined and false props are skipped. Children: nodes, strings, numbers, arrays; null and false skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2).toLowerCase(), value);
    else if (PROPERTIES.has(key)) node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** Creates an SVG element with attributes. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value != null && value !== false) node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

/** Appends children (nodes, strings, numbers, nested arrays); null, undefined and false are skipped. */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * Re-renders part of a view without losing the keyboard user's place: when focus was on an element with a
 * data-testid inside the container and render() replaced it, focus moves to its replacement, else to fallback
 * (an element, or a function called after render that returns one).
 */
export function renderKeepingFocus(container, render, fallback = null) {
  const active = document.activeElement;
  const key = active && active !== document.body && container.contains(active) ? active.dataset.testid : null;
  const hadFocus = active && container.contains(active);
  render();
  if (!hadFocus || active.isConnected) return;
  const again = key ? container.querySelector(`[data-testid="${CSS.escape(key)}"]`) : null;
  (again ?? (typeof fallback === 'function' ? fallback() : fallback))?.focus({ preventScroll: true });
}

/**
 * A table with a caption, column headers and rows. columns: [{ label, class? }]; rows: [{ cells, props? }], where
 * the first cell is a row header when rowHeader is set.
 */
export function dataTable({ caption, columns, rows, rowHeader = true, captionHidden = false, class: className }) {
  return el('table', { class: ['data', className].filter(Boolean).join(' ') },
    caption ? el('caption', { class: captionHidden ? 'visually-hidden' : null }, caption) : null,
    el('thead', {}, el('tr', {}, columns.map((column) =>
      el('th', { scope: 'col', class: column.class }, column.label)))),
    el('tbody', {}, rows.map((row) => el('tr', row.props ?? {}, row.cells.map((cell, index) =>
      index === 0 && rowHeader
        ? el('th', { scope: 'row', class: columns[0].class }, cell)
        : el('td', { class: columns[index]?.class }, cell))))));
}

/**
 * A horizontally scrollable, keyboard-focusable box for wide tables; the testid lets renderKeepingFocus find the
 * new box when a live table is redrawn while the user is scrolling it.
 */
export function scrollRegion(label, child, testid = null) {
  return el('div', { class: 'scroll', role: 'region', 'aria-label': label, tabindex: 0, dataset: testid ? { testid } : undefined }, child);
}

/** The text shown where a list has nothing to show. */
export function emptyState(text, testid) {
  return el('p', { class: 'empty', dataset: testid ? { testid } : undefined }, text);
}

/** A labelled form field: label, control, optional hint and error line, wired with for/aria-describedby. */
export function field({ id, label, control, hint, error = false }) {
  control.id = id;
  const described = [];
  const hintNode = hint ? el('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintNode) described.push(hintNode.id);
  const errorNode = error ? el('p', { class: 'field-error', id: `${id}-error`, dataset: { testid: `${id}-error` } }) : null;
  if (errorNode) described.push(errorNode.id);
  if (described.length) control.setAttribute('aria-describedby', described.join(' '));
  return { root: el('div', { class: 'field' }, el('label', { for: id }, label), control, hintNode, errorNode), error: errorNode };
}

/** Shows (or clears, with '') a field's error and marks its control invalid for assistive technology. */
export function setFieldError(control, errorNode, message) {
  errorNode.textContent = message;
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

/** Whether the user asked the system for less motion. */
export function prefersReducedMotion() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}
