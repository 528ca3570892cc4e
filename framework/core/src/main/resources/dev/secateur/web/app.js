// The dashboard: runs, one run, a comparison, plugins and meters, read from Secateur's API and kept live by
// the server-sent events of /api/events. Every number comes from the run directories or the Micrometer
// registry through the API; the page keeps none of its own.
(function () {
  'use strict';

  const C = window.SecateurCharts;
  const el = C.el;
  const main = document.getElementById('main');
  const liveBadge = document.getElementById('live');
  // The token never reaches this page: the server set it as an HttpOnly cookie when the printed URL was opened,
  // and the browser sends it with every request of this origin. Nothing is kept in storage.
  let info = { submit: false };
  let view = { name: null };
  let pending = null;

  // ---------------------------------------------------------------- plumbing

  async function api(path, options) {
    const response = await fetch(path, options);
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (e) {
      body = { error: text };
    }
    if (!response.ok) throw new Error((body && body.error) || response.status + ' ' + response.statusText);
    return body;
  }

  function message(text, isError) {
    const box = document.getElementById('message') || main.insertBefore(el('p', { id: 'message' }), main.firstChild);
    box.className = 'message' + (isError ? ' error' : '');
    box.textContent = text;
  }

  /** Coalesces bursts of events into one reload of the view. */
  function refreshSoon() {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      refresh();
    }, 250);
  }

  function setActive(name) {
    for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.id === 'nav-' + name);
  }

  function duration(summary) {
    if (!summary.started) return '';
    if (!summary.ended && summary.status !== 'RUNNING') return '';
    const end = summary.ended ? Date.parse(summary.ended) : Date.now();
    const seconds = (end - Date.parse(summary.started)) / 1000;
    return seconds < 120 ? seconds.toFixed(1) + ' s' : (seconds / 60).toFixed(1) + ' min';
  }

  // ---------------------------------------------------------------- runs

  let filterName = '';
  let filterStatus = '';
  let runsShown = [];
  const selected = new Set();

  /** The list's frame (title, filters, header, the submit form) once per visit; its rows on every update. */
  function runsFrame() {
    C.reset();
    main.textContent = '';
    main.appendChild(el('h1', { text: 'Runs' }));
    const name = el('input', { id: 'filter-name', placeholder: 'filter by name', value: filterName });
    const status = el('select', { id: 'filter-status' }, ['', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'INTERRUPTED']
      .map(s => el('option', { value: s, text: s || 'any status' })));
    status.value = filterStatus;
    const compareButton = el('button', { id: 'compare-selected', text: 'Compare selected' });
    compareButton.addEventListener('click', () => {
      location.hash = '#/compare/' + Array.from(selected).map(encodeURIComponent).join(',');
    });
    name.addEventListener('input', () => {
      filterName = name.value;
      runRows();
    });
    status.addEventListener('change', () => {
      filterStatus = status.value;
      runRows();
    });
    main.appendChild(el('div', { className: 'filters' }, [name, status, compareButton]));
    const header = ['', 'run', 'status', 'saliency', 'schedule', 'granularity', 'sparsity', 'accuracy', 'started', 'duration', ''];
    main.appendChild(C.table('runs', 'numbers', header, []));
    main.appendChild(el('p', { id: 'runs-empty', className: 'empty' }));
    if (info.submit) main.appendChild(submitForm());
  }

  function runRows() {
    const body = document.querySelector('#runs tbody');
    if (!body) return;
    const rows = runsShown.filter(r => (!filterName || (r.experiment || '').includes(filterName) || r.id.includes(filterName))
      && (!filterStatus || r.status === filterStatus)).map(r => {
      const box = el('input', { type: 'checkbox', className: 'pick', 'data-run-id': r.id });
      box.checked = selected.has(r.id);
      box.addEventListener('change', () => {
        if (box.checked) selected.add(r.id); else selected.delete(r.id);
        box.closest('tr').classList.toggle('selected', box.checked);
      });
      const link = el('a', { href: '#/run/' + encodeURIComponent(r.id), text: r.experiment || r.id });
      const actions = el('td', { className: 'actions' });
      if (info.submit && (r.status === 'RUNNING' || r.status === 'QUEUED')) {
        const cancel = el('button', { className: 'cancel', text: 'Cancel' });
        cancel.addEventListener('click', () => cancelRun(r.id));
        actions.appendChild(cancel);
      }
      return el('tr', { 'data-run-id': r.id, 'data-status': r.status, className: selected.has(r.id) ? 'selected' : '' }, [
        el('td', {}, [box]), el('td', {}, [link, el('br'), el('small', { text: r.id })]),
        el('td', { className: 'status status-' + r.status, text: r.status }),
        el('td', { className: 'saliency', text: r.saliency || '' }), el('td', { className: 'schedule', text: r.schedule || '' }),
        el('td', { className: 'granularity', text: r.granularity || '' }),
        el('td', { className: 'sparsity', text: C.pct(r.sparsity) }), el('td', { className: 'accuracy', text: C.pct(r.accuracy) }),
        el('td', { className: 'started', text: r.started ? r.started.replace('T', ' ').slice(0, 19) : '' }),
        el('td', { className: 'duration', text: duration(r) }), actions]);
    });
    body.replaceChildren(...rows);
    document.getElementById('runs-empty').textContent = runsShown.length ? ''
      : 'No runs yet in ' + (info.runsDir || 'the runs directory') + '.';
  }

  async function showRuns(isCurrent, fresh) {
    const runs = await api('/api/runs');
    if (!isCurrent()) return;
    runsShown = runs;
    if (fresh || !document.querySelector('#runs tbody')) runsFrame();
    runRows();
  }

  function submitForm() {
    const box = el('section', { id: 'submit-section' }, [el('h2', { text: 'Start a script' })]);
    const script = el('textarea', { id: 'script', rows: '10', placeholder: "run(experiment('x') { ... })" });
    const file = el('input', { id: 'script-name', value: 'dashboard.groovy', size: '24' });
    const go = el('button', { id: 'submit', text: 'Submit' });
    go.addEventListener('click', async () => {
      try {
        const answer = await api('/api/runs?name=' + encodeURIComponent(file.value),
          { method: 'POST', headers: { 'content-type': 'text/plain' }, body: script.value });
        message('submitted ' + answer.script + ': ' + answer.runs.map(r => r.id).join(', '), false);
        refreshSoon();
      } catch (e) {
        message(e.message, true);
      }
    });
    box.appendChild(el('div', {}, [el('label', {}, ['name ', file]), ' ', go]));
    box.appendChild(script);
    return box;
  }

  async function cancelRun(id) {
    try {
      const answer = await api('/api/runs/' + encodeURIComponent(id), { method: 'DELETE' });
      message(answer.message || 'cancelled ' + id, false);
      refreshSoon();
    } catch (e) {
      message(e.message, true);
    }
  }

  // ---------------------------------------------------------------- one run

  /** A run's file: the server serves it sandboxed, in an origin of its own, and the page opens it with noopener. */
  function fileUrl(id, path) {
    return '/api/runs/' + encodeURIComponent(id) + '/files/' + path.split('/').map(encodeURIComponent).join('/');
  }

  async function showRun(id, isCurrent) {
    const [detail, meters] = await Promise.all([api('/api/runs/' + encodeURIComponent(id)), api('/api/metrics')]);
    if (!isCurrent()) return;
    C.reset();
    const progress = el('p', { id: 'progress', className: 'progress', text: detail.status === 'RUNNING' ? 'running' : '' });
    if (detail.status !== 'RUNNING') progress.style.display = 'none';
    const scroll = window.scrollY;
    C.run(main, detail, { meters: meters.meters, fileUrl: path => fileUrl(id, path), progress: progress });
    if (info.submit && (detail.status === 'RUNNING' || detail.status === 'QUEUED')) {
      const cancel = el('button', { id: 'cancel-run', text: 'Cancel this run' });
      cancel.addEventListener('click', () => cancelRun(id));
      main.insertBefore(cancel, main.children[2]);
    }
    window.scrollTo(0, scroll);
  }

  function onProgress(event) {
    const box = document.getElementById('progress');
    if (!box) return;
    box.style.display = '';
    box.textContent = event.phase.toLowerCase() + (event.step ? ' step ' + event.step : '') + ': epoch ' + event.epoch + '/' + event.epochs
      + ', ' + event.examplesDone.toLocaleString('en') + ' of ' + event.examplesTotal.toLocaleString('en') + ' examples, loss '
      + Number(event.loss).toFixed(4);
  }

  // ---------------------------------------------------------------- compare

  async function showCompare(ids, isCurrent) {
    if (!ids.length) {
      C.reset();
      main.textContent = '';
      main.appendChild(el('h1', { text: 'Compare' }));
      main.appendChild(el('p', { text: 'Tick runs in the list of runs, then press "Compare selected".' }));
      return;
    }
    const details = await Promise.all(ids.map(id => api('/api/runs/' + encodeURIComponent(id))));
    if (!isCurrent()) return;
    C.reset();
    C.compare(main, details);
  }

  // ---------------------------------------------------------------- plugins and meters

  const CHANGES = { loaded: 'loaded', replaced: 'reloaded', removed: 'removed' };

  async function showPlugins(isCurrent) {
    const answer = await api('/api/plugins');
    if (!isCurrent()) return;
    C.reset();
    main.textContent = '';
    main.appendChild(el('h1', { text: 'Plugins' }));
    main.appendChild(el('p', { className: 'note', text: 'Watched: ' + answer.directories.join(', ') }));
    const rows = answer.plugins.map(p => el('tr', { 'data-plugin-id': p.id, 'data-kind': p.kind }, [
      el('td', { className: 'kind', text: p.kind }), el('td', { className: 'id', text: p.id }), el('td', { className: 'version', text: p.version }),
      el('td', { className: 'description', text: p.description }), el('td', { className: 'file', text: p.file.split('/').pop() })]));
    main.appendChild(C.table('plugins', '', ['kind', 'id', 'version', 'description', 'file'], rows));
    main.appendChild(el('h2', { text: 'Refused' }));
    main.appendChild(el('ul', { id: 'plugin-failures' }, answer.failures.map(f => el('li', { text: f }))));
    main.appendChild(el('h2', { text: 'Reload history' }));
    const history = answer.events.slice().reverse().map(e => el('tr', { 'data-event': e.event }, [
      el('td', { text: (e.time || '').replace('T', ' ').slice(0, 19) }), el('td', { className: 'what', text: CHANGES[e.change] || 'refused' }),
      el('td', { text: (e.ids || []).join(', ') }), el('td', { text: e.version || '' }), el('td', { text: e.file || '' }),
      el('td', { className: 'reason', text: e.reason || '' })]));
    main.appendChild(C.table('plugin-events', '', ['time', 'what', 'ids', 'version', 'file', 'reason'], history));
  }

  async function showMetrics(isCurrent) {
    const answer = await api('/api/metrics');
    if (!isCurrent()) return;
    C.reset();
    main.textContent = '';
    main.appendChild(el('h1', { text: 'Metrics' }));
    main.appendChild(el('p', { className: 'note', text: 'The meters /metrics serves to Prometheus, read from the same registry.' }));
    const rows = answer.meters.map(m => el('tr', { 'data-meter': m.name }, [el('td', { text: m.name }),
      el('td', { text: Object.entries(m.tags).map(([k, v]) => k + '=' + v).join(' ') }),
      el('td', { text: Object.entries(m.values).map(([k, v]) => k + ' ' + (v === null ? 'NaN' : Number(v).toPrecision(6))).join(', ') })]));
    main.appendChild(C.table('meters', 'numbers', ['meter', 'tags', 'values'], rows));
  }

  // ---------------------------------------------------------------- routing and live updates

  let generation = 0;

  /**
   * Draws the current view again. Each call supersedes the ones before it: an answer that comes back after a
   * newer request started, or after the view changed, is dropped, so an old state never overwrites a new one.
   */
  async function refresh(fresh) {
    const mine = ++generation;
    const isCurrent = () => mine === generation;
    try {
      if (view.name === 'runs') await showRuns(isCurrent, fresh);
      else if (view.name === 'run') await showRun(view.id, isCurrent);
      else if (view.name === 'compare') await showCompare(view.ids, isCurrent);
      else if (view.name === 'plugins') await showPlugins(isCurrent);
      else if (view.name === 'metrics') await showMetrics(isCurrent);
    } catch (e) {
      if (!isCurrent()) return;
      main.textContent = '';
      main.appendChild(el('p', { className: 'message error', id: 'message', text: e.message }));
    }
  }

  function route() {
    const parts = (location.hash || '#/runs').slice(2).split('/');
    const name = parts[0] || 'runs';
    if (name === 'run') view = { name: 'run', id: decodeURIComponent(parts[1] || '') };
    else if (name === 'compare') view = { name: 'compare', ids: (parts[1] || '').split(',').filter(Boolean).map(decodeURIComponent) };
    else view = { name: ['plugins', 'metrics'].includes(name) ? name : 'runs' };
    setActive(view.name === 'run' ? 'runs' : view.name);
    refresh(true);
  }

  function onEvent(event) {
    if (event.type === 'plugin-event') {
      if (view.name === 'plugins') refreshSoon();
      return;
    }
    if (event.event === 'progress') {
      if (view.name === 'run' && view.id === event.runId) onProgress(event);
      return;
    }
    if (view.name === 'runs') refreshSoon();
    else if (view.name === 'run' && view.id === event.runId) refreshSoon();
    else if (view.name === 'compare' && view.ids.includes(event.runId)) refreshSoon();
  }

  function listen() {
    const source = new EventSource('/api/events');
    source.onopen = () => {
      liveBadge.textContent = 'live';
      liveBadge.classList.add('on');
      refreshSoon(); // whatever happened while we were not listening
    };
    source.onerror = () => {
      liveBadge.textContent = 'reconnecting';
      liveBadge.classList.remove('on');
    };
    source.onmessage = m => onEvent(JSON.parse(m.data));
  }

  window.addEventListener('hashchange', route);
  api('/api/info').then(i => {
    info = i;
  }).catch(() => {}).finally(() => {
    route();
    listen();
  });
})();
