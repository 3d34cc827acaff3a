// A node's page: where it sits in the graph, its config (the prototype's, with what the node overrides marked), its
// recent status, and for a feed its indicators and URLs, for a local list its editor.
import { api } from '../api.js';
import { h, clear, stateName, ago, number, error } from '../dom.js';
import { listEditor } from './list.js';

const PAGE = 50;

function nodeLink(name) {
  return h('a', { href: `#/node/${encodeURIComponent(name)}` }, name);
}

function configTable(node) {
  const keys = Object.keys(node.config).sort();
  if (keys.length === 0) return h('p', { class: 'muted' }, 'No config.');
  return h('table', { class: 'config' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Key'), h('th', {}, 'Value'), h('th', {}, 'From'))),
    h('tbody', {}, keys.map((key) => {
      const overridden = Object.hasOwn(node.overrides, key);
      return h('tr', { class: overridden ? 'override' : '' },
        h('td', {}, key),
        h('td', {}, h('code', {}, JSON.stringify(node.config[key]))),
        h('td', {}, overridden ? 'node (overrides the prototype)' : 'prototype'));
    })));
}

function historyTable(history) {
  if (history.length === 0) return h('p', { class: 'muted' }, 'No samples yet (one every 30 s while this feed server runs).');
  const counters = [...new Set(history.flatMap((s) => Object.keys(s.counters)))].sort();
  return h('div', { class: 'table-wrap' }, h('table', { class: 'history' },
    h('thead', {}, h('tr', {}, h('th', {}, 'At'), h('th', {}, 'State'), h('th', {}, 'Length'), counters.map((c) => h('th', {}, c)))),
    h('tbody', {}, [...history].reverse().map((s) => h('tr', {},
      h('td', {}, new Date(s.at).toLocaleTimeString('en-GB')),
      h('td', {}, stateName(s.state), s.sub_state ? ` · ${s.sub_state}` : ''),
      h('td', { class: 'num' }, number(s.length)),
      counters.map((c) => h('td', { class: 'num' }, number(s.counters[c]))))))));
}

function indicatorView(feed) {
  const search = h('input', { type: 'search', placeholder: 'Search indicators', 'aria-label': 'Search indicators', class: 'grow' });
  const info = h('span', { class: 'muted', id: 'indicator-count' });
  const previous = h('button', { type: 'button' }, '← Newer');
  const next = h('button', { type: 'button' }, 'Older →');
  const body = h('tbody');
  const problem = h('div');
  let offset = 0;
  let matched = 0;

  async function load() {
    try {
      const page = await api('GET', `/ui/api/feeds/${encodeURIComponent(feed)}/indicators?q=${encodeURIComponent(search.value.trim())}&offset=${offset}&limit=${PAGE}`);
      matched = page.matched;
      problem.replaceChildren();
      info.textContent = page.query
        ? `${number(page.matched)} of ${number(page.total)} match · showing ${page.items.length ? offset + 1 : 0}–${offset + page.items.length}`
        : `${number(page.total)} indicators · showing ${page.items.length ? offset + 1 : 0}–${offset + page.items.length} (newest first)`;
      previous.disabled = offset === 0;
      next.disabled = offset + PAGE >= matched;
      body.replaceChildren(...page.items.map((item) => {
        const v = item.value || {};
        return h('tr', { dataset: { indicator: item.indicator } },
          h('td', {}, h('code', {}, item.indicator)),
          h('td', {}, v.type ?? '—'),
          h('td', {}, Array.isArray(v.sources) ? v.sources.join(', ') : '—'),
          h('td', {}, v.last_seen ? ago(v.last_seen) : '—'),
          h('td', { class: 'attrs' }, h('code', {}, JSON.stringify(Object.fromEntries(Object.entries(v).filter(([k]) => !['type', 'sources', 'first_seen', 'last_seen'].includes(k)))))));
      }));
    } catch (e) {
      problem.replaceChildren(error(e.message));
    }
  }

  let typing;
  search.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(() => { offset = 0; load(); }, 250); });
  previous.addEventListener('click', () => { offset = Math.max(0, offset - PAGE); load(); });
  next.addEventListener('click', () => { offset += PAGE; load(); });
  load();
  return {
    element: h('section', { class: 'card', id: 'indicators' }, h('h2', {}, 'Indicators'),
      h('div', { class: 'toolbar' }, search, previous, next, info), problem,
      h('div', { class: 'table-wrap' }, h('table', { class: 'indicators' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Indicator'), h('th', {}, 'Type'), h('th', {}, 'Sources'), h('th', {}, 'Last seen'), h('th', {}, 'Other attributes'))),
        body))),
    refresh: load,
  };
}

export async function nodeView(view, context, name) {
  const node = await api('GET', `/ui/api/nodes/${encodeURIComponent(name)}`);
  const statusLine = h('p', { class: 'status-line' });
  const sections = [];
  let refresh = null;

  async function loadStatus() {
    try {
      const all = (await api('GET', '/status/minemeld')).result;
      const s = all.find((x) => x.name === name);
      if (!s) return;
      statusLine.replaceChildren(
        h('span', { class: `pill s${s.state}` }, stateName(s.state)),
        s.sub_state ? h('span', { class: `pill ${s.sub_state === 'ERROR' ? 'bad' : ''}` }, s.sub_state) : '',
        ` length ${number(s.length)} · ${s.instances} instance${s.instances === 1 ? '' : 's'}`,
        s.last_run !== undefined ? ` · last run ${ago(s.last_run)} · last success ${ago(s.last_successful_run)}` : '',
        s.sub_state_message ? h('span', { class: 'error-text' }, ` · ${s.sub_state_message}`) : '',
        ' · ', h('span', { class: 'muted' }, Object.entries(s.statistics || {}).map(([k, v]) => `${k} ${number(v)}`).join(' · ')));
    } catch (e) {
      statusLine.replaceChildren(error(e.message));
    }
  }

  const hup = node.kind === 'miner' ? h('button', { type: 'button', onclick: async () => {
    try {
      await api('POST', `/status/${encodeURIComponent(name)}/hup`);
      hup.textContent = 'Poll requested';
    } catch (e) {
      hup.replaceWith(error(e.message));
    }
  } }, 'Poll now') : null;

  if (node.feed_urls) {
    const indicators = indicatorView(name);
    refresh = indicators.refresh;
    sections.push(indicators.element);
    sections.push(h('section', { class: 'card' }, h('h2', {}, 'Feed URLs'),
      h('ul', { class: 'urls' }, node.feed_urls.map((u) => h('li', {}, h('span', { class: 'fmt' }, u.format), ' ', h('a', { href: u.url, target: '_blank', rel: 'noopener' }, u.url))))));
  }
  if (node.list) {
    sections.push(await listEditor(name, node.list));
  }

  const proto = node.prototype_info;
  clear(view, h('section', { class: 'node', dataset: { node: name } },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Overview'), ' / ', node.kind),
    h('h1', {}, name, ' ', h('span', { class: 'muted small' }, node.class), hup ? ' ' : '', hup),
    statusLine,
    h('div', { class: 'grid2' },
      h('section', { class: 'card' }, h('h2', {}, 'Place in the graph'),
        h('dl', {},
          h('dt', {}, 'Inputs'), h('dd', {}, node.inputs.length ? node.inputs.flatMap((i, k) => [k ? ', ' : '', nodeLink(i)]) : '—'),
          h('dt', {}, 'Outputs to'), h('dd', {}, node.consumers.length ? node.consumers.flatMap((c, k) => [k ? ', ' : '', nodeLink(c)]) : '—'),
          h('dt', {}, 'Defined at'), h('dd', {}, node.location),
          h('dt', {}, 'Prototype'), h('dd', {}, node.prototype ?? '— (class given directly)'))),
      h('section', { class: 'card' }, h('h2', {}, 'Prototype'),
        proto ? [h('p', {}, proto.description ?? ''), proto.development_status ? h('p', { class: 'muted' }, `status: ${proto.development_status}`) : '',
          proto.differs_from_minemeld ? h('p', { class: 'note' }, `Differs from MineMeld: ${proto.differs_from_minemeld}`) : '']
          : h('p', { class: 'muted' }, 'No prototype.'))),
    sections,
    h('section', { class: 'card' }, h('h2', {}, 'Config'), configTable(node)),
    h('section', { class: 'card' }, h('h2', {}, 'Status history'), historyTable(node.history))));
  await loadStatus();
  const timer = setInterval(() => { if (!document.hidden) { loadStatus(); if (refresh) refresh(); } }, 5000);
  return () => clearInterval(timer);
}
