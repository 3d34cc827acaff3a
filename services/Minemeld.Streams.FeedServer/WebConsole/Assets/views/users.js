// Feed users, admin users and feed tags, through MineMeld's /aaa routes, and the access matrix: which feed user (and
// the anonymous caller) may read which feed, by the rule /feeds/ applies.
import { api } from '../api.js';
import { h, clear, error } from '../dom.js';

function tagsOf(text) {
  return text.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}

export async function usersView(view, context) {
  const message = h('div', { class: 'message', id: 'users-message' });
  const say = (...content) => message.replaceChildren(...content);
  const sections = h('div');

  async function act(action, done) {
    try {
      await action();
      say(h('p', { class: 'ok' }, done));
      await render();
    } catch (e) {
      say(error(e.message));
    }
  }

  function passwordCell(subsystem, user) {
    const input = h('input', { type: 'password', placeholder: 'new password', autocomplete: 'new-password', 'aria-label': `New password for ${user}` });
    return h('td', {}, input, h('button', { type: 'button', onclick: () => {
      if (!input.value) return say(error('Type the new password first.'));
      return act(() => api('PUT', `/aaa/users/${subsystem}/${encodeURIComponent(user)}`, { password: input.value }), `Password of ${user} changed.`);
    } }, 'Set'));
  }

  async function render() {
    const [feedUsers, admins, feeds, matrix] = await Promise.all([
      api('GET', '/aaa/users/feeds'), api('GET', '/aaa/users/api'), api('GET', '/aaa/feeds'), api('GET', '/ui/api/access')]);
    const origin = new Map(matrix.rows.map((r) => [r.user, r.origin]));

    const newName = h('input', { placeholder: 'user name', required: true, 'aria-label': 'New feed user name' });
    const newPassword = h('input', { type: 'password', placeholder: 'password', required: true, autocomplete: 'new-password', 'aria-label': 'New feed user password' });
    const newTags = h('input', { placeholder: 'tags, comma separated', 'aria-label': 'New feed user tags' });
    const create = h('form', { class: 'toolbar', id: 'new-feed-user', onsubmit: (event) => {
      event.preventDefault();
      const name = newName.value.trim();
      return act(async () => {
        await api('PUT', `/aaa/users/feeds/${encodeURIComponent(name)}`, { password: newPassword.value });
        await api('POST', `/aaa/users/feeds/${encodeURIComponent(name)}/attributes`, { tags: tagsOf(newTags.value) });
      }, `Feed user ${name} created.`);
    } }, newName, newPassword, newTags, h('button', { type: 'submit' }, 'Create feed user'));

    const feedRows = Object.entries(feedUsers.result.users).map(([name, attributes]) => {
      const tags = h('input', { value: (attributes.tags || []).join(', '), 'aria-label': `Tags of ${name}` });
      return h('tr', { dataset: { user: name } },
        h('td', {}, name),
        h('td', {}, tags, h('button', { type: 'button', onclick: () => act(() => api('POST', `/aaa/users/feeds/${encodeURIComponent(name)}/attributes`, { ...attributes, tags: tagsOf(tags.value) }), `Tags of ${name} saved.`) }, 'Save')),
        passwordCell('feeds', name),
        h('td', { class: 'muted' }, origin.get(name) ?? ''),
        h('td', {}, h('button', { type: 'button', class: 'danger', onclick: () => {
          if (window.confirm(`Delete feed user ${name}?`)) act(() => api('DELETE', `/aaa/users/feeds/${encodeURIComponent(name)}`), `Feed user ${name} deleted.`);
        } }, 'Delete')));
    });

    const feedTagRows = Object.keys(Object.fromEntries(matrix.feeds.map((f) => [f.name, f]))).map((feed) => {
      const attributes = feeds.result.feeds[feed] || {};
      const tags = h('input', { value: (attributes.tags || []).join(', '), 'aria-label': `Tags of feed ${feed}` });
      return h('tr', { dataset: { feed } },
        h('td', {}, h('a', { href: `#/node/${encodeURIComponent(feed)}` }, feed)),
        h('td', {}, tags, h('button', { type: 'button', onclick: () => act(() => api('PUT', `/aaa/feeds/${encodeURIComponent(feed)}/attributes`, { tags: tagsOf(tags.value) }), `Tags of feed ${feed} saved.`) }, 'Save')),
        h('td', { class: 'muted' }, attributes.origin ?? ''));
    });

    const adminRows = Object.keys(admins.result.users).map((name) => h('tr', { dataset: { admin: name } },
      h('td', {}, name), passwordCell('api', name)));

    const matrixTable = h('table', { class: 'matrix', id: 'access-matrix' },
      h('thead', {}, h('tr', {}, h('th', {}, 'User (tags)'), matrix.feeds.map((f) => h('th', {}, f.name, h('br'), h('span', { class: 'muted small' }, f.tags.join(', ') || 'no tags'))))),
      h('tbody', {}, matrix.rows.map((row) => h('tr', { dataset: { user: row.user } },
        h('th', {}, row.anonymous ? 'anonymous' : row.user, h('br'), h('span', { class: 'muted small' }, row.tags.join(', '))),
        row.can_read.map((can) => h('td', { class: can ? 'yes' : 'no' }, can ? 'reads' : '—'))))));

    clear(sections,
      h('section', { class: 'card' }, h('h2', {}, 'Feed users'),
        feedUsers.result.enabled ? '' : h('p', { class: 'note' }, 'Feed authentication is off for this graph: every feed is public and these users are not asked for.'),
        create,
        h('div', { class: 'table-wrap' }, h('table', { id: 'feed-users' },
          h('thead', {}, h('tr', {}, h('th', {}, 'User'), h('th', {}, 'Tags'), h('th', {}, 'Password'), h('th', {}, 'Origin'), h('th', {}, ''))),
          h('tbody', {}, feedRows)))),
      h('section', { class: 'card' }, h('h2', {}, 'Feed tags'),
        h('p', { class: 'muted' }, `A user reads a feed when they share a tag; "${matrix.any_tag}" lets every feed user read it, "${matrix.anonymous_tag}" everyone.`),
        h('table', { id: 'feed-tags' }, h('thead', {}, h('tr', {}, h('th', {}, 'Feed'), h('th', {}, 'Tags'), h('th', {}, 'Origin'))), h('tbody', {}, feedTagRows))),
      h('section', { class: 'card' }, h('h2', {}, 'Access matrix'), h('div', { class: 'table-wrap' }, matrixTable)),
      h('section', { class: 'card' }, h('h2', {}, 'Admin users'),
        h('table', { id: 'admin-users' }, h('thead', {}, h('tr', {}, h('th', {}, 'Admin'), h('th', {}, 'Password'))), h('tbody', {}, adminRows))));
  }

  clear(view, h('section', { class: 'users' }, h('h1', {}, 'Users & tags'), message, sections));
  await render();
  return null;
}
