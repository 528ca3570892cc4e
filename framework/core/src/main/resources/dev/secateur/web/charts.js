// Secateur's views of runs, shared by the dashboard and every report.html: each function takes what the
// run directory holds (the JSON of dev.secateur.record.RunDetail) and draws into a container. No network.
(function (global) {
  'use strict';

  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
  const charts = {}; // by container id: the uPlot instances, so a page or a test can read what is drawn
  let prefix = ''; // element ids of the run being drawn, so a report can hold several runs

  function pid(id) {
    return id ? prefix + id : id;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'className') node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function num(value) {
    if (value === null || value === undefined || value === '') return null;
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }

  function pct(value, digits) {
    const n = num(value);
    return n === null ? '' : (n * 100).toFixed(digits === undefined ? 2 : digits) + '%';
  }

  function fixed(value, digits) {
    const n = num(value);
    return n === null ? '' : n.toFixed(digits);
  }

  function width(container) {
    return Math.max(320, Math.min(900, (container.clientWidth || 640) - 8));
  }

  /** A uPlot line (or points-only) chart in a titled box; its point count goes into data-points. */
  function plot(container, id, title, xLabel, yLabel, xs, series, options) {
    id = pid(id);
    const box = el('div', { className: 'chart', id: id });
    box.appendChild(el('h3', { text: title }));
    container.appendChild(box);
    if (charts[id]) {
      charts[id].destroy();
      delete charts[id];
    }
    const points = xs.length;
    box.setAttribute('data-points', String(points));
    box.setAttribute('data-series', String(series.length));
    if (points === 0) {
      box.appendChild(el('p', { className: 'empty', text: 'nothing yet' }));
      return box;
    }
    const opts = Object.assign({
      width: width(container),
      height: 260,
      scales: { x: { time: false } },
      axes: [{ label: xLabel }, { label: yLabel }],
      series: [{ label: xLabel }].concat(series.map((s, i) => Object.assign({
        stroke: COLORS[i % COLORS.length],
        width: 2,
        spanGaps: true,
        points: { show: true, size: 6 },
      }, s.style || {}, { label: s.label }))),
    }, options || {});
    const data = [xs].concat(series.map(s => s.values));
    charts[id] = new uPlot(opts, data, box);
    return box;
  }

  /** Sorted union of x values, and each series' y at those x (null where it has none). */
  function align(curves) {
    const xs = Array.from(new Set(curves.flatMap(c => c.points.map(p => p[0])))).sort((a, b) => a - b);
    return {
      xs: xs,
      series: curves.map(c => {
        const at = new Map(c.points.map(p => [p[0], p[1]]));
        return { label: c.label, values: xs.map(x => (at.has(x) ? at.get(x) : null)), style: c.style };
      }),
    };
  }

  function table(id, className, header, rows) {
    const head = el('tr', {}, header.map(h => el('th', { text: h })));
    return el('table', { id: pid(id), className: className }, [el('thead', {}, [head]), el('tbody', {}, rows)]);
  }

  /** A wide table in a box of its own that scrolls sideways, not the page. */
  function scrolling(node) {
    return el('div', { className: 'scroll' }, [node]);
  }

  function section(container, title, id) {
    const box = el('section', { id: pid(id) });
    box.appendChild(el('h2', { text: title }));
    container.appendChild(box);
    return box;
  }

  // ------------------------------------------------------------------ one run

  const RESULT_COLUMNS = ['step', 'target_sparsity', 'sparsity', 'accuracy', 'loss', 'params', 'nonzero_params', 'flops',
    'effective_flops', 'latency_ms', 'finetune_examples_per_s', 'large_batch', 'large_batch_latency_ms', 'saliency', 'perplexity'];

  /** Whether rows are a language model's: they have a perplexity, exp of the next-token loss. */
  function languageModel(rows) {
    return rows.some(r => num(r.perplexity) !== null);
  }

  /** The summary line of a run: what it is, where it ended. */
  function summary(container, run) {
    const spec = run.spec || {};
    const rows = run.results || [];
    const last = rows.length ? rows[rows.length - 1] : null;
    const dense = rows.length ? rows[0] : null;
    const facts = [
      ['experiment', spec.experiment || run.experiment || ''],
      ['status', run.status || ''],
      ['saliency', spec.schedule ? (spec.saliency && spec.saliency.id) || '' : 'none (prunes nothing)'],
      ['schedule', (spec.schedule && spec.schedule.id) || 'none'],
      ['granularity', spec.granularity || ''],
      ['steps', String(Math.max(0, rows.length - 1)) + (spec.schedule && spec.schedule.stepTargets ? ' of ' + spec.schedule.stepTargets.length : '')],
      ['sparsity', last ? pct(last.sparsity) : ''],
      ['accuracy', last ? pct(last.accuracy) : ''],
      ['dense accuracy', dense ? pct(dense.accuracy) : ''],
      ...(languageModel(rows) ? [['perplexity', last ? fixed(num(last.perplexity), 3) : ''],
        ['dense perplexity', dense ? fixed(num(dense.perplexity), 3) : '']] : []),
      ['started', run.started || ''],
      ['duration', run.seconds !== undefined && run.seconds !== null ? fixed(run.seconds, 1) + ' s' : ''],
    ];
    const lines = [];
    for (let i = 0; i < facts.length; i += 3) {
      lines.push(el('tr', {}, facts.slice(i, i + 3).flatMap(([k, v]) => [el('th', { text: k }),
        el('td', { className: k.replace(/ /g, '-'), text: v })])));
    }
    container.appendChild(el('table', { id: pid('summary'), className: 'summary' }, [el('tbody', {}, lines)]));
    if (run.failure) container.appendChild(el('p', { className: 'failure', text: 'FAILED: ' + run.failure }));
    if (run.cancelled) container.appendChild(el('p', { className: 'cancelled', text: 'CANCELLED: ' + run.cancelled }));
  }

  /** results.csv as it is, one row per step, the cells as the file has them. */
  function results(container, run) {
    const box = section(container, 'Steps (results.csv)', 'results-section');
    const rows = (run.results || []).map(r => el('tr', { 'data-step': r.step },
      RESULT_COLUMNS.map(c => el('td', { className: c, text: r[c] === null || r[c] === undefined ? '' : String(r[c]) }))));
    box.appendChild(scrolling(table('steps', 'numbers', RESULT_COLUMNS, rows)));
  }

  function accuracyCharts(container, run) {
    const rows = (run.results || []).filter(r => num(r.accuracy) !== null);
    const box = section(container, 'Accuracy and loss', 'accuracy-section');
    plot(box, 'chart-accuracy-step', 'Accuracy (left) and loss (right) against step', 'step', 'accuracy',
      rows.map(r => num(r.step)),
      [{ label: 'accuracy', values: rows.map(r => num(r.accuracy)) },
        { label: 'loss', values: rows.map(r => num(r.loss)), style: { scale: 'loss' } }],
      {
        scales: { x: { time: false }, loss: { auto: true } },
        axes: [{ label: 'step', incrs: [1, 2, 5, 10, 20, 50, 100] }, { label: 'accuracy' },
          { label: 'loss', scale: 'loss', side: 1, grid: { show: false } }],
      });
    const bySparsity = rows.slice().sort((a, b) => num(a.sparsity) - num(b.sparsity));
    plot(box, 'chart-accuracy-sparsity', 'Accuracy against sparsity', 'sparsity', 'accuracy',
      bySparsity.map(r => num(r.sparsity)), [{ label: 'accuracy', values: bySparsity.map(r => num(r.accuracy)) }]);
    if (languageModel(rows)) {
      plot(box, 'chart-perplexity-sparsity', 'Perplexity against sparsity (next token, test text)', 'sparsity', 'perplexity',
        bySparsity.map(r => num(r.sparsity)), [{ label: 'perplexity', values: bySparsity.map(r => num(r.perplexity)) }]);
    }
  }

  /** Per-layer sparsity after each step as a heat map: a row per prunable parameter, a column per step. */
  function layers(container, run) {
    const box = section(container, 'Per-layer sparsity', 'layers-section');
    const steps = run.steps || [];
    const names = [];
    for (const s of steps) for (const name of Object.keys(s.layerSparsity || {})) if (!names.includes(name)) names.push(name);
    const header = ['parameter'].concat(steps.map(s => 'step ' + s.step));
    const rows = names.map(name => el('tr', { 'data-param': name }, [el('th', { text: name })].concat(steps.map(s => {
      const v = (s.layerSparsity || {})[name];
      const cell = el('td', { className: 'heat', 'data-sparsity': v === undefined ? '' : String(v), text: v === undefined ? '' : pct(v, 1) });
      if (v !== undefined) cell.style.background = 'rgba(214, 39, 40, ' + (0.08 + 0.8 * v).toFixed(3) + ')';
      return cell;
    }))));
    box.appendChild(scrolling(table('layers', 'numbers heatmap', header, rows)));
    if (!names.length) box.appendChild(el('p', { className: 'empty', text: 'no step has completed yet' }));
  }

  function throughput(container, run) {
    const points = run.throughput || [];
    const box = section(container, 'Training throughput', 'throughput-section');
    plot(box, 'chart-throughput', 'Training examples per second over the run', 'seconds since start', 'examples/s',
      points.map(p => p.t), [{ label: 'examples/s', values: points.map(p => p.examplesPerS), style: { points: { show: false } } }]);
  }

  /** Effective FLOPs next to the latency measured at each step: what sparsity could save, what it did. */
  function speed(container, run) {
    const rows = run.results || [];
    const box = section(container, 'Speed account', 'speed-section');
    const dense = rows.length ? rows[0] : null;
    const header = ['step', 'sparsity', 'effective FLOPs', 'of dense', 'latency ms (batch 1)', 'vs dense', 'latency ms (large batch)', 'vs dense'];
    const body = rows.map(r => el('tr', { 'data-step': r.step }, [
      el('td', { text: String(r.step) }), el('td', { text: pct(r.sparsity) }),
      el('td', { text: r.effective_flops || '' }),
      el('td', { text: dense ? pct(num(r.effective_flops) / num(dense.flops), 1) : '' }),
      el('td', { text: fixed(r.latency_ms, 3) }),
      el('td', { text: dense && num(r.latency_ms) ? 'x' + fixed(num(dense.latency_ms) / num(r.latency_ms), 2) : '' }),
      el('td', { text: fixed(r.large_batch_latency_ms, 3) }),
      el('td', { text: dense && num(r.large_batch_latency_ms) ? 'x' + fixed(num(dense.large_batch_latency_ms) / num(r.large_batch_latency_ms), 2) : '' }),
    ]));
    box.appendChild(table('speed', 'numbers', header, body));
    box.appendChild(el('p', { className: 'note', text: 'Effective FLOPs count only nonzero weights: what sparse kernels could skip. '
      + 'Unstructured sparsity keeps dense shapes, so its latency is not expected to fall; physically removed units do shrink it.' }));
  }

  /** Sensitivity curves, one line per group, with the ratio the budget chose marked on each. */
  function sensitivity(container, run) {
    const rows = run.sensitivity || [];
    if (!rows.length) return;
    const box = section(container, 'Sensitivity', 'sensitivity-section');
    const groups = [];
    for (const r of rows) if (!groups.includes(r.layer)) groups.push(r.layer);
    const curves = groups.map(g => ({ label: g, points: rows.filter(r => r.layer === g).map(r => [num(r.ratio), num(r.accuracy)]) }));
    const aligned = align(curves);
    const chosen = new Map((run.chosenRatios || []).map(c => [c.layer, num(c.ratio)]));
    const marks = {
      hooks: {
        draw: [u => {
          const ctx = u.ctx;
          groups.forEach((g, i) => {
            if (!chosen.has(g)) return;
            const ratio = chosen.get(g);
            const curve = curves[i].points;
            let best = curve[0];
            for (const p of curve) if (Math.abs(p[0] - ratio) < Math.abs(best[0] - ratio)) best = p;
            const x = u.valToPos(ratio, 'x', true);
            const y = u.valToPos(best[1], 'y', true);
            ctx.save();
            ctx.strokeStyle = COLORS[i % COLORS.length];
            ctx.lineWidth = 3 * devicePixelRatio;
            ctx.beginPath();
            ctx.arc(x, y, 7 * devicePixelRatio, 0, 2 * Math.PI);
            ctx.stroke();
            ctx.restore();
          });
        }],
      },
    };
    const chart = plot(box, 'chart-sensitivity', 'Accuracy with one group pruned at each ratio (circles: the budget\'s choice)',
      'fraction removed', 'accuracy', aligned.xs, aligned.series, marks);
    chart.setAttribute('data-chosen', String(chosen.size));
    if (chosen.size) {
      const body = (run.chosenRatios || []).map(c => el('tr', { 'data-group': c.layer },
        [el('td', { text: c.layer }), el('td', { text: c.ratio }), el('td', { text: c.units }), el('td', { text: c.units_kept })]));
      box.appendChild(table('chosen-ratios', 'numbers', ['group', 'ratio chosen', 'units', 'units kept'], body));
    }
  }

  /** Each criterion against the reference (the oracle), a scatter per criterion and layer, with Spearman's rho. */
  function correlation(container, run) {
    const rows = run.correlations || [];
    if (!rows.length) return;
    const box = section(container, 'Criteria against the reference', 'correlation-section');
    const body = rows.map(r => el('tr', { 'data-criterion': r.criterion, 'data-layer': r.layer },
      [el('td', { text: r.criterion }), el('td', { text: r.layer }), el('td', { text: r.points }),
        el('td', { className: 'spearman', text: r.spearman || '' }), el('td', { text: r.kendall || '' })]));
    box.appendChild(table('correlations', 'numbers', ['criterion', 'layer', 'points', "Spearman's rho", "Kendall's tau"], body));
    const points = run.correlationPoints || [];
    if (!points.length) return;
    const reference = rows[0].reference;
    rows.forEach((r, i) => {
      const mine = points.filter(p => p.layer === r.layer && num(p[reference]) !== null && num(p[r.criterion]) !== null)
        .map(p => [num(p[reference]), num(p[r.criterion])]).sort((a, b) => a[0] - b[0]);
      plot(box, 'chart-scatter-' + i, r.criterion + ' against ' + reference + ' in ' + r.layer + ' (rho ' + (r.spearman || 'n/a') + ')',
        reference, r.criterion, mine.map(p => p[0]),
        [{ label: r.criterion, values: mine.map(p => p[1]), style: { paths: () => null, points: { show: true, size: 4, fill: COLORS[i % COLORS.length] } } }]);
    });
  }

  function decisions(container, run) {
    const decided = run.decided || [];
    const plan = run.explainPlan;
    if (!decided.length && !plan) return;
    const box = section(container, 'Decisions and the explain-plan', 'decisions-section');
    for (const d of decided) {
      box.appendChild(el('h3', { text: d.source || 'decided' }));
      box.appendChild(el('pre', { text: (d.lines || []).join('\n') }));
    }
    if (plan) box.appendChild(el('pre', { id: pid('explain-plan'), text: plan }));
  }

  /** Stage timings, as Micrometer has them in this process (all runs it served). */
  function stageTimings(container, meters) {
    const stages = (meters || []).filter(m => m.name === 'secateur.stage');
    const box = section(container, 'Stage timings (this process, from Micrometer)', 'stages-section');
    const body = stages.map(m => el('tr', { 'data-stage': m.tags.stage, 'data-outcome': m.tags.outcome }, [
      el('td', { text: m.tags.stage }), el('td', { text: m.tags.outcome }), el('td', { text: fixed(m.values.count, 0) }),
      el('td', { text: m.values.count ? fixed(m.values.total_time / m.values.count, 3) : '' }), el('td', { text: fixed(m.values.max, 3) }),
      el('td', { text: fixed(m.values.total_time, 1) })]));
    box.appendChild(table('stage-timings', 'numbers', ['stage', 'outcome', 'requests', 'mean s', 'max s', 'total s'], body));
  }

  /**
   * The run's files. {@code fileUrl} gives a file's address where the page can serve it: a report or a picture
   * opens in a tab of its own with no handle back to this page (noopener), sandboxed by the server; anything
   * else downloads.
   */
  function files(container, run, fileUrl) {
    const box = section(container, 'Files', 'files-section');
    const list = el('ul', { id: pid('files'), className: 'files' });
    for (const f of run.files || []) {
      const item = el('li', { 'data-path': f.path, className: f.path.startsWith('masks/') ? 'mask' : '' });
      if (fileUrl) {
        const shown = /\.(html|png)$/.test(f.path);
        const link = el('a', { href: fileUrl(f.path), text: f.path, rel: 'noopener noreferrer', target: '_blank' });
        if (!shown) link.setAttribute('download', f.path.split('/').pop());
        item.appendChild(link);
      } else {
        item.appendChild(el('span', { text: f.path }));
      }
      item.appendChild(el('span', { className: 'bytes', text: ' ' + f.bytes.toLocaleString('en') + ' bytes' }));
      list.appendChild(item);
    }
    box.appendChild(list);
  }

  function provenance(container, run) {
    const spec = run.spec || {};
    const box = section(container, 'Provenance and the resolved spec', 'provenance-section');
    const runtime = spec.runtime || {};
    const plugins = spec.plugins || {};
    const facts = [['Secateur', runtime.secateur], ['JVM (Java version)', runtime.java], ['ND4J backend', runtime.nd4jBackend],
      ['seed', spec.seed], ['data', spec.data ? spec.data.source : ''], ['data SHA-256', spec.data ? spec.data.sha256 : '']];
    const data = spec.data || {};
    // the shape and classes the data gave the model, and each file read with its own digest
    if (data.shape) facts.push(['input shape', data.shape.join('×')]);
    if (data.classes) facts.push(['classes', data.classNames ? data.classes + ': ' + data.classNames.join(', ') : data.classes]);
    for (const f of data.files || []) facts.push(['file ' + f.path, f.bytes.toLocaleString('en') + ' bytes, sha256 ' + f.sha256]);
    for (const [key, p] of Object.entries(plugins)) facts.push([key, p.version + '  (' + p.file + ', sha256 ' + String(p.sha256).slice(0, 12) + ')']);
    const body = facts.map(([k, v]) => el('tr', {}, [el('th', { text: k }), el('td', { text: v === undefined || v === null ? '' : String(v) })]));
    box.appendChild(table('provenance', 'facts', ['', ''], body));
    box.appendChild(el('pre', { id: pid('spec'), text: JSON.stringify(spec, null, 2) }));
  }

  /** The whole page of one run. {@code fileUrl} addresses a file, or is absent where files cannot be opened. */
  function run(container, detail, extras) {
    extras = extras || {};
    prefix = extras.prefix || '';
    container.textContent = '';
    container.appendChild(el('h1', { text: (detail.spec && detail.spec.experiment) || detail.experiment || detail.id }));
    container.appendChild(el('p', { className: 'run-id', text: detail.id }));
    summary(container, detail);
    if (extras.progress) container.appendChild(extras.progress);
    accuracyCharts(container, detail);
    results(container, detail);
    layers(container, detail);
    throughput(container, detail);
    speed(container, detail);
    sensitivity(container, detail);
    correlation(container, detail);
    decisions(container, detail);
    if (extras.meters) stageTimings(container, extras.meters);
    files(container, detail, extras.fileUrl);
    provenance(container, detail);
    prefix = '';
  }

  // ------------------------------------------------------------------ several runs

  /** Accuracy against sparsity of several runs on one chart, the plot of every pruning paper, and their last rows. */
  function compare(container, details) {
    prefix = '';
    container.textContent = '';
    container.appendChild(el('h1', { text: 'Compare ' + details.length + ' runs' }));
    const curves = details.map(d => ({
      label: (d.spec && d.spec.experiment) || d.id,
      points: (d.results || []).filter(r => num(r.accuracy) !== null).map(r => [num(r.sparsity), num(r.accuracy)]),
    }));
    const aligned = align(curves);
    plot(container, 'chart-compare', 'Accuracy against sparsity', 'sparsity', 'accuracy', aligned.xs, aligned.series);
    if (details.every(d => languageModel(d.results || []))) {
      const perplexities = align(details.map(d => ({
        label: (d.spec && d.spec.experiment) || d.id,
        points: (d.results || []).filter(r => num(r.perplexity) !== null).map(r => [num(r.sparsity), num(r.perplexity)]),
      })));
      plot(container, 'chart-compare-perplexity', 'Perplexity against sparsity', 'sparsity', 'perplexity', perplexities.xs,
        perplexities.series);
    }
    const header = ['run', 'saliency', 'schedule', 'granularity', 'steps', 'sparsity', 'accuracy', 'dense accuracy', 'change (points)', 'nonzero params'];
    const body = details.map(d => {
      const rows = d.results || [];
      const last = rows.length ? rows[rows.length - 1] : {};
      const dense = rows.length ? rows[0] : {};
      const change = num(last.accuracy) !== null && num(dense.accuracy) !== null ? ((num(last.accuracy) - num(dense.accuracy)) * 100).toFixed(2) : '';
      const spec = d.spec || {};
      return el('tr', { 'data-run-id': d.id }, [el('td', { text: (spec.experiment || '') + ' ' }, [el('small', { text: d.id })]),
        el('td', { text: spec.saliency ? spec.saliency.id : '' }), el('td', { text: spec.schedule ? spec.schedule.id : 'none' }),
        el('td', { text: spec.granularity || '' }), el('td', { text: String(Math.max(0, rows.length - 1)) }),
        el('td', { className: 'sparsity', text: pct(last.sparsity) }), el('td', { className: 'accuracy', text: pct(last.accuracy) }),
        el('td', { text: pct(dense.accuracy) }), el('td', { text: change }), el('td', { text: last.nonzero_params || '' })]);
    });
    container.appendChild(table('compare-final', 'numbers', header, body));
  }

  /** Destroys every chart drawn so far, before a page draws another view. */
  function reset() {
    for (const id of Object.keys(charts)) {
      charts[id].destroy();
      delete charts[id];
    }
  }

  global.SecateurCharts = { run: run, compare: compare, reset: reset, charts: charts, el: el, pct: pct, fixed: fixed, num: num, table: table };
})(window);
