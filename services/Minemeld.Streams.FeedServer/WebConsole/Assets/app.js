// The console's entry: reads the session, then routes #/… to a view. Views render into <main id="view"> and return a
// function that stops whatever they keep running (polling) when the user moves on.
import { api, setCsrf } from './api.js';
import { clear, error } from './dom.js';
import { overview } from './views/overview.js';
import { graphView } from './views/graph.js';
import { nodeView } from './views/node.js';
import { usersView } from './views/users.js';
import { validateView } from './views/validate.js';

const view = document.getElementById('view');
let stop = null;

// Shared by the views: the graph's shape (it changes only with a new deployment, so it is read once per page load).
export const context = { session: null, graph: null };

async function route() {
  if (stop) {
    stop();
    stop = null;
  }
  const hash = decodeURIComponent(window.location.hash.replace(/^#/, '')) || '/';
  const [, page, ...rest] = hash.split('/');
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', link.dataset.nav === (page || 'overview') || (page === 'node' && link.dataset.nav === 'overview'));
  }
  try {
    switch (page) {
      case '':
      case undefined:
        stop = await overview(view, context);
        break;
      case 'graph':
        stop = await graphView(view, context);
        break;
      case 'node':
        stop = await nodeView(view, context, rest.join('/'));
        break;
      case 'users':
        stop = await usersView(view, context);
        break;
      case 'validate':
        stop = await validateView(view, context);
        break;
      default:
        clear(view, error(`No page ${hash}`));
    }
  } catch (e) {
    clear(view, error(e.message));
  }
}

async function start() {
  const [session, graph] = await Promise.all([api('GET', '/ui/api/session'), api('GET', '/ui/api/graph')]);
  context.session = session;
  context.graph = graph;
  setCsrf(session.csrf);
  document.getElementById('who').textContent = `${session.user} · graph ${session.graph} · ${session.state}`;
  const logout = document.getElementById('logout');
  logout.hidden = session.via !== 'session';
  logout.addEventListener('click', async () => {
    await api('POST', '/ui/api/logout');
    window.location.assign('/ui/login');
  });
  window.addEventListener('hashchange', route);
  await route();
}

start().catch((e) => clear(view, error(e.message)));
