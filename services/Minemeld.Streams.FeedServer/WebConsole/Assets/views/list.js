// The editor of a local list (MineMeld's YAML lists and localdb): add one entry with a lifetime and a comment, remove
// selected entries, or paste/upload many lines at once. An upload is one request: the server checks every entry and
// writes nothing when one is bad; the refused lines are listed by their line number.
import { api, upload } from '../api.js';
import { h, number, error } from '../dom.js';

const TTLS = [['', 'never expires'], ['3600', '1 hour'], ['86400', '1 day'], ['604800', '7 days'], ['2592000', '30 days'], ['31536000', '1 year']];

function ttlSelect(label, defaultTtl) {
  const select = h('select', { 'aria-label': label }, TTLS.map(([v, text]) => h('option', { value: v }, text)));
  if (defaultTtl) {
    select.prepend(h('option', { value: 'default' }, `list default (${number(defaultTtl)} s)`));
    select.value = 'default';
  }
  return select;
}

// Turns pasted or uploaded text into entries: one per line, "indicator [comment…]"; blank lines and lines starting
// with # are skipped. lines[i] is the 1-based line of entry i, so the server's refusals point at the text.
export function parseLines(text, ttl) {
  const entries = [];
  const lines = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const space = line.search(/\s/);
    const entry = { indicator: space < 0 ? line : line.slice(0, space) };
    const comment = space < 0 ? '' : line.slice(space).trim();
    if (comment) entry.comment = comment;
    if (ttl) entry.ttl = Number(ttl);
    entries.push(entry);
    lines.push(index + 1);
  });
  return { entries, lines };
}

export async function listEditor(node, list) {
  const path = `/lists/${encodeURIComponent(node)}`;
  const body = h('tbody');
  const count = h('span', { class: 'muted', id: 'list-count' });
  const message = h('div', { class: 'message', id: 'list-message' });
  const typeInput = list.type ? null : h('input', { name: 'type', placeholder: 'type (IPv4, domain, URL…)', required: true, 'aria-label': 'Indicator type' });
  const indicator = h('input', { name: 'indicator', placeholder: list.type ? `${list.type} indicator` : 'indicator', required: true, class: 'grow', 'aria-label': 'Indicator' });
  const comment = h('input', { name: 'comment', placeholder: 'comment', 'aria-label': 'Comment' });
  const ttl = ttlSelect('Lifetime', list.default_ttl);
  const filter = h('input', { type: 'search', placeholder: 'Filter entries', 'aria-label': 'Filter entries' });
  let entries = [];

  function say(...content) {
    message.replaceChildren(...content);
  }

  function withTtl(entry, value) {
    if (value && value !== 'default') entry.ttl = Number(value);
    return entry;
  }

  function render() {
    const text = filter.value.trim().toLowerCase();
    const shown = entries.filter((e) => !text || e.indicator.toLowerCase().includes(text) || JSON.stringify(e.attributes).toLowerCase().includes(text));
    count.textContent = `${number(entries.length)} entries${text ? `, ${number(shown.length)} shown` : ''}`;
    body.replaceChildren(...shown.slice(0, 500).map((e) => h('tr', { dataset: { indicator: e.indicator } },
      h('td', {}, h('input', { type: 'checkbox', value: e.indicator, 'aria-label': `Select ${e.indicator}` })),
      h('td', {}, h('code', {}, e.indicator)),
      h('td', {}, e.attributes.comment ?? ''),
      h('td', {}, e.expires_at ? new Date(e.expires_at).toLocaleString('en-GB') : 'never'),
      h('td', {}, h('code', {}, JSON.stringify(Object.fromEntries(Object.entries(e.attributes).filter(([k]) => k !== 'comment'))))))),
    shown.length > 500 ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, `… ${number(shown.length - 500)} more; filter to find one`)) : '');
  }

  async function load() {
    const result = await api('GET', path);
    entries = result.entries;
    render();
  }

  const add = h('form', { class: 'toolbar', onsubmit: async (event) => {
    event.preventDefault();
    const entry = withTtl({ indicator: indicator.value.trim() }, ttl.value);
    if (comment.value.trim()) entry.comment = comment.value.trim();
    if (typeInput) entry.type = typeInput.value.trim();
    try {
      await api('POST', `${path}/entries`, { entries: [entry] });
      say(h('p', { class: 'ok' }, `Added ${entry.indicator}.`));
      indicator.value = '';
      comment.value = '';
      await load();
    } catch (e) {
      say(error(e.message));
    }
  } }, typeInput, indicator, comment, ttl, h('button', { type: 'submit' }, 'Add'));

  const remove = h('button', { type: 'button', onclick: async () => {
    const selected = [...body.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
    if (selected.length === 0) return say(error('Select the entries to remove first.'));
    try {
      const result = await api('POST', `${path}/remove`, { indicators: selected });
      say(h('p', { class: 'ok' }, `Removed ${result.removed}.`));
      await load();
    } catch (e) {
      say(error(e.message));
    }
  } }, 'Remove selected');

  // Bulk: paste or a file; a progress bar while the body goes up and the server checks it.
  const paste = h('textarea', { rows: 6, placeholder: 'One entry per line: indicator, then an optional comment. Lines starting with # are skipped.', 'aria-label': 'Bulk entries' });
  const file = h('input', { type: 'file', accept: '.txt,.csv,.lst,text/plain', 'aria-label': 'Upload a file of entries' });
  const bulkTtl = ttlSelect('Lifetime of uploaded entries', list.default_ttl);
  const bulkType = list.type ? null : h('input', { placeholder: 'type of every line', 'aria-label': 'Type of uploaded entries' });
  const progress = h('progress', { max: 100, value: 0, id: 'bulk-progress' });
  const phase = h('span', { class: 'muted', id: 'bulk-phase' });
  const report = h('div', { id: 'bulk-report' });
  const send = h('button', { type: 'button', onclick: async () => {
    const text = file.files.length ? await file.files[0].text() : paste.value;
    const { entries: parsed, lines } = parseLines(text, bulkTtl.value === 'default' ? '' : bulkTtl.value);
    if (bulkType) parsed.forEach((e) => { e.type = bulkType.value.trim(); });
    report.replaceChildren();
    if (parsed.length === 0) return report.replaceChildren(error('Nothing to upload.'));
    send.disabled = true;
    progress.value = 0;
    phase.textContent = `uploading ${number(parsed.length)} entries…`;
    try {
      const result = await upload('POST', `${path}/entries`, JSON.stringify({ entries: parsed }), (fraction, stage) => {
        progress.value = Math.round(fraction * 90);
        if (stage === 'server') phase.textContent = `checking and writing ${number(parsed.length)} entries…`;
      });
      progress.value = 100;
      phase.textContent = `done: ${number(result.written)} written`;
      report.replaceChildren(h('p', { class: 'ok' }, `${number(result.written)} entries written.`));
      paste.value = '';
      file.value = '';
      await load();
    } catch (e) {
      progress.value = 100;
      phase.textContent = 'refused: nothing written';
      const errors = e.body && Array.isArray(e.body.errors) ? e.body.errors : null;
      report.replaceChildren(error(errors
        ? `${number(e.body.refused)} of ${number(parsed.length)} lines refused; nothing was written. Fix them and upload again.`
        : e.message));
      if (errors) {
        report.append(h('table', { class: 'errors' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Line'), h('th', {}, 'Entry'), h('th', {}, 'Why'))),
          h('tbody', {}, errors.map((x) => h('tr', { dataset: { line: lines[x.entry] } },
            h('td', { class: 'num' }, lines[x.entry] ?? '?'),
            h('td', {}, h('code', {}, x.indicator ?? parsed[x.entry]?.indicator ?? '')),
            h('td', {}, x.message))))));
        if (e.body.refused > errors.length) report.append(h('p', { class: 'muted' }, `… and ${number(e.body.refused - errors.length)} more.`));
      }
    } finally {
      send.disabled = false;
    }
  } }, 'Upload');

  filter.addEventListener('input', render);
  await load();
  return h('section', { class: 'card', id: 'list-editor' }, h('h2', {}, 'List entries'),
    add, message,
    h('div', { class: 'toolbar' }, filter, remove, count),
    h('div', { class: 'table-wrap' }, h('table', { class: 'entries' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'Indicator'), h('th', {}, 'Comment'), h('th', {}, 'Expires'), h('th', {}, 'Attributes'))),
      body)),
    h('h3', {}, 'Bulk add'),
    paste,
    h('div', { class: 'toolbar' }, file, bulkType, bulkTtl, send, progress, phase),
    report);
}
