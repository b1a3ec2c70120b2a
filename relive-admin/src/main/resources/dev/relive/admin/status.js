// Relive status page: polls the admin API once a second and redraws what changed.
// Everything from the server is inserted with textContent, never as HTML.
(() => {
  'use strict';
  const base = location.pathname.replace(/\/config\/ui\/?$/, '');
  const $ = (id) => document.getElementById(id);
  const diffs = new Map();
  let token = null;
  let configName = null;
  let shownVersion = null;

  const fromHash = location.hash.match(/token=([^&]+)/);
  if (fromHash) {
    token = decodeURIComponent(fromHash[1]);
    sessionStorage.setItem('relive-token', token);
    history.replaceState(null, '', location.pathname);
  } else {
    token = sessionStorage.getItem('relive-token');
  }

  class Unauthorized extends Error {}

  async function api(path) {
    const response = await fetch(base + path, { headers: { Authorization: 'Bearer ' + token }, cache: 'no-store' });
    if (response.status === 401) throw new Unauthorized();
    if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
    return response.json();
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  const show = (value) => value === null || value === undefined ? '(absent)' : JSON.stringify(value);
  const configPath = () => '/configs/' + encodeURIComponent(configName);

  function renderStatus(s) {
    document.body.dataset.status = s.status;
    $('badge').textContent = s.status;
    $('badge').className = 'badge ' + s.status;
    $('version').textContent = 'v' + s.version;
    $('version').dataset.version = String(s.version);
    $('hash').textContent = s.hash.slice(0, 16);
    $('since').textContent = 'since ' + new Date(s.servingSince).toLocaleString();
    const last = s.lastResult;
    $('last-result').textContent = last ? last.event + ' (' + last.cause + ')' : 'none yet';
    $('counts').textContent = s.counts.applied + ' applied · ' + s.counts.rejected + ' rejected · '
        + s.counts.listenerFailures + ' listener failures';
    const files = $('files');
    files.replaceChildren(...s.watchedFiles.map((f) => {
      const li = el('li');
      li.append(el('code', f.path), el('span', ' · ' + f.mode + (f.lastChange ? ' · changed ' + new Date(f.lastChange).toLocaleTimeString() : ''), 'muted'));
      if (f.warning) li.append(el('div', f.warning, 'removed'));
      return li;
    }));
    if (s.watchedFiles.length === 0) files.append(el('li', 'not watching files', 'muted'));
    const rejection = s.lastRejection;
    $('rejection').hidden = !rejection;
    if (rejection) {
      $('rejection-summary').textContent = 'Rejected at ' + rejection.stage + ' (' + rejection.cause + ') at '
          + new Date(rejection.time).toLocaleTimeString() + '; version ' + rejection.version + ' kept serving.';
      $('problems').replaceChildren(...rejection.problems.map((p) => {
        const tr = el('tr');
        tr.append(el('td', p.origin), el('td', p.path || '(document)'), el('td', p.message));
        return tr;
      }));
    }
  }

  async function diffBetween(from, to) {
    const key = configName + ':' + from + '-' + to;
    if (!diffs.has(key)) diffs.set(key, (await api(configPath() + '/diff?from=' + from + '&to=' + to)).changes);
    return diffs.get(key);
  }

  async function renderHistory() {
    const { versions } = await api(configPath() + '/history');
    const items = [];
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i];
      const li = el('li');
      li.dataset.version = String(v.version);
      li.append(el('strong', 'v' + v.version), el('span', ' · ' + new Date(v.time).toLocaleString() + ' · ' + v.cause, 'muted'));
      const previous = versions[i + 1];
      if (previous) {
        const list = el('ul');
        for (const c of await diffBetween(previous.version, v.version)) {
          const kind = c.before === null ? 'added' : c.after === null ? 'removed' : '';
          list.append(el('li', c.path + ': ' + show(c.before) + ' → ' + show(c.after), kind));
        }
        li.append(list);
      }
      items.push(li);
    }
    $('history').replaceChildren(...items);
  }

  async function refresh() {
    if (!token) {
      $('login').hidden = false;
      return;
    }
    try {
      if (!configName) {
        const list = await api('/configs');
        configName = list.default;
        $('config').replaceChildren(...list.configs.map((name) => el('option', name)));
        $('config').value = configName;
      }
      const status = await api(configPath() + '/status');
      renderStatus(status);
      if (status.version !== shownVersion) {
        await renderHistory();
        shownVersion = status.version;
      }
      $('login').hidden = true;
      $('main').hidden = false;
      $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      if (e instanceof Unauthorized) {
        sessionStorage.removeItem('relive-token');
        token = null;
        $('login-error').textContent = 'The token was not accepted.';
        $('login').hidden = false;
        $('main').hidden = true;
      } else {
        $('updated').textContent = 'Cannot reach the admin API: ' + e.message;
      }
    }
  }

  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem('relive-token', token);
    refresh();
  });
  $('config').addEventListener('change', () => {
    configName = $('config').value;
    shownVersion = null;
    refresh();
  });
  refresh();
  setInterval(refresh, 1000);
})();
