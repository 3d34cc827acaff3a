// Small DOM helpers: every text goes in through textContent, never innerHTML, so nothing a feed or a list holds can
// become markup.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    // Through the CSSOM: a style attribute in markup is inline style, which the Content Security Policy refuses.
    else if (name === 'style') element.style.cssText = value;
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export const stateNames = { 0: 'READY', 1: 'CONNECTED', 2: 'REBUILDING', 3: 'RESET', 4: 'INIT', 5: 'STARTED', 6: 'CHECKPOINT', 7: 'IDLE', 8: 'STOPPED' };

export function stateName(state) {
  return stateNames[state] ?? (state === undefined || state === null ? '—' : String(state));
}

export function ago(ms) {
  if (!ms) return 'never';
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

export function number(n) {
  return n === undefined || n === null ? '—' : Number(n).toLocaleString('en');
}

export function error(message) {
  return h('p', { class: 'error', role: 'alert' }, message);
}
