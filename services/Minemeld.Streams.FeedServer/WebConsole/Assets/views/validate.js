// Checks a graph file (pasted or uploaded) exactly as the workers check it at start-up, and shows each error next to
// its line.
import { api } from '../api.js';
import { h, clear, error } from '../dom.js';

// "request:12:5: …" → 12 (the location the loader puts in front of a message); null when a message has none.
export function lineOf(message) {
  const match = /(?:^|\s|\()request:(\d+)(?::\d+)?/.exec(message);
  return match ? Number(match[1]) : null;
}

export async function validateView(view) {
  const text = h('textarea', { rows: 18, spellcheck: 'false', placeholder: 'Paste a graph (MineMeld YAML: nodes: …)', 'aria-label': 'Graph YAML', class: 'code' });
  const file = h('input', { type: 'file', accept: '.yml,.yaml,text/yaml', 'aria-label': 'Upload a graph file' });
  const result = h('div', { id: 'validate-result' });
  file.addEventListener('change', async () => {
    if (file.files.length) text.value = await file.files[0].text();
  });

  function listing(source, marks) {
    const lines = source.split(/\r?\n/);
    return h('ol', { class: 'listing' }, lines.map((line, i) => {
      const notes = marks.get(i + 1) || [];
      return h('li', { class: notes.length ? 'marked' : '' }, h('code', {}, line || ' '), notes.map((n) => h('div', { class: 'error-text' }, n)));
    }));
  }

  const check = h('button', { type: 'button', onclick: async () => {
    result.replaceChildren(h('p', { class: 'muted' }, 'Checking…'));
    try {
      const ok = await api('POST', '/validate/graph', text.value, { contentType: 'application/yaml' });
      result.replaceChildren(h('p', { class: 'ok' }, 'Valid.'), ...(ok.warnings || []).map((w) => h('p', { class: 'note' }, `warning: ${w}`)));
    } catch (e) {
      const messages = e.body && e.body.error && Array.isArray(e.body.error.message) ? e.body.error.message : [e.message];
      const marks = new Map();
      for (const m of messages) {
        const line = lineOf(m);
        if (line) marks.set(line, [...(marks.get(line) || []), m]);
      }
      result.replaceChildren(error(`${messages.length} error${messages.length === 1 ? '' : 's'}`),
        h('ul', { class: 'errors-list' }, messages.map((m) => h('li', {}, lineOf(m) ? `line ${lineOf(m)}: ` : '', m))),
        listing(text.value, marks));
    }
  } }, 'Validate');

  clear(view, h('section', { class: 'validate' }, h('h1', {}, 'Validate a graph'),
    h('p', { class: 'muted' }, 'Checked as the workers check a graph at start-up: prototypes, classes, config keys, inputs, cycles. Nothing is saved.'),
    text, h('div', { class: 'toolbar' }, file, check), result));
  return null;
}
