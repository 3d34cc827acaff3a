// The committed graph drawn as layers: miners on the left, each node one column right of its furthest input, outputs
// on the right; an edge per input. Clicking a node opens its page.
import { api } from '../api.js';
import { h, svg, clear } from '../dom.js';

const W = 210;
const GAP_X = 90;
const NODE_H = 34;
const GAP_Y = 14;

// Column of each node: 0 for nodes without inputs, else one more than the furthest input (cycles cannot load).
export function layers(nodes) {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const column = new Map();
  const visit = (name, depth = 0) => {
    if (column.has(name)) return column.get(name);
    const node = byName.get(name);
    if (!node || depth > nodes.length) return 0;
    const c = node.inputs.length === 0 ? 0 : 1 + Math.max(...node.inputs.map((i) => visit(i, depth + 1)));
    column.set(name, c);
    return c;
  };
  nodes.forEach((n) => visit(n.name));
  return column;
}

export async function graphView(view, context) {
  const nodes = context.graph.nodes;
  const column = layers(nodes);
  const columns = [];
  for (const node of nodes) {
    (columns[column.get(node.name)] ??= []).push(node);
  }
  const status = new Map();
  try {
    for (const s of (await api('GET', '/status/minemeld')).result) status.set(s.name, s);
  } catch { /* the drawing does not need status */ }

  const position = new Map();
  columns.forEach((list, c) => list.sort((a, b) => a.name.localeCompare(b.name)).forEach((node, r) => {
    position.set(node.name, { x: 20 + c * (W + GAP_X), y: 20 + r * (NODE_H + GAP_Y) });
  }));
  const width = 40 + columns.length * (W + GAP_X);
  const height = 40 + Math.max(1, ...columns.map((l) => l.length)) * (NODE_H + GAP_Y);
  const edges = svg('g', { class: 'edges' });
  const boxes = svg('g', { class: 'boxes' });
  for (const node of nodes) {
    const to = position.get(node.name);
    for (const input of node.inputs) {
      const from = position.get(input);
      if (!from) continue;
      const x1 = from.x + W, y1 = from.y + NODE_H / 2, x2 = to.x, y2 = to.y + NODE_H / 2, mid = (x1 + x2) / 2;
      edges.append(svg('path', { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: 'edge' }));
    }
    const s = status.get(node.name);
    const bad = s && (s.sub_state === 'ERROR' || s.state === 8 || s.overdue);
    const label = node.name.length > 26 ? `${node.name.slice(0, 25)}…` : node.name;
    boxes.append(svg('a', { href: `#/node/${encodeURIComponent(node.name)}`, class: `gnode ${node.kind}${bad ? ' bad' : ''}`, 'data-node': node.name },
      svg('title', {}, `${node.name}\n${node.class}${s ? `\nlength ${s.length ?? '—'}` : ''}`),
      svg('rect', { x: to.x, y: to.y, width: W, height: NODE_H, rx: 6 }),
      svg('text', { x: to.x + 10, y: to.y + 15 }, label),
      svg('text', { x: to.x + 10, y: to.y + 28, class: 'sub' }, `${node.class}${s && s.length !== undefined && s.length !== null ? ` · ${s.length}` : ''}`)));
  }
  clear(view, h('section', { class: 'graph' },
    h('div', { class: 'toolbar' },
      h('span', { class: 'legend miner' }, 'miner'), h('span', { class: 'legend processor' }, 'processor'), h('span', { class: 'legend output' }, 'output'),
      h('span', { class: 'muted' }, `${nodes.length} nodes in ${columns.length} columns; click a node for its page`)),
    h('div', { class: 'canvas' }, svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Graph ${context.graph.name}` }, edges, boxes))));
  return null;
}
