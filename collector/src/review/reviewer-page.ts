/**
 * The reviewer page: one static HTML document and one script, served by the collector at /review
 * and /review/app.js. Plain DOM code, no framework and no build step: the page only calls the
 * review API of the same origin. Item content is only ever set with textContent / img.src (never
 * innerHTML), so an input value cannot inject markup.
 */
export const REVIEWER_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>modelwatch review</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1f2328; }
  header { background: #1f2937; color: #fff; padding: 10px 20px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0 16px 0 0; }
  header input, header select { padding: 4px 6px; }
  main { max-width: 900px; margin: 20px auto; background: #fff; border-radius: 8px; padding: 20px 24px; box-shadow: 0 1px 3px #0002; }
  #status { color: #57606a; margin-bottom: 12px; }
  table { border-collapse: collapse; margin: 8px 0 16px; }
  td, th { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; }
  #text { white-space: pre-wrap; background: #f6f8fa; padding: 10px; border-radius: 6px; }
  #image { max-width: 100%; max-height: 360px; border: 1px solid #d0d7de; }
  .answer { font-size: 18px; margin: 12px 0; }
  .answer b { font-size: 22px; }
  #classes button { font-size: 16px; margin: 4px 6px 4px 0; padding: 8px 14px; border-radius: 6px; border: 1px solid #8c959f; background: #fff; cursor: pointer; }
  #classes button.model { border-color: #0969da; background: #ddf4ff; }
  #classes kbd { color: #57606a; font-size: 12px; margin-right: 6px; }
  .hidden { display: none; }
</style>
</head>
<body>
<header>
  <h1>modelwatch review</h1>
  <label>model <input id="model" size="16" autocomplete="off"></label>
  <label>reviewer <input id="reviewer" size="12" autocomplete="username"></label>
  <label>token <input id="token" type="password" size="12" autocomplete="off"></label>
  <button id="start">Start</button>
  <span id="depth"></span>
</header>
<main>
  <div id="status">Enter a model and your name, then Start.</div>
  <section id="item" class="hidden">
    <div id="meta"></div>
    <h3>Inputs</h3>
    <table id="features" class="hidden"><thead><tr><th>feature</th><th>value</th></tr></thead><tbody></tbody></table>
    <div id="text" class="hidden"></div>
    <img id="image" class="hidden" alt="input image">
    <p id="no-inputs" class="hidden">The sidecar's privacy rules kept no inputs for this answer.</p>
    <div class="answer">Model says <b id="prediction"></b> with confidence <b id="confidence"></b></div>
    <div id="classes"></div>
    <form id="other"><label>other label or value <input id="other-value" size="16"></label> <button>Decide</button> <button type="button" id="skip">Next item</button></form>
  </section>
</main>
<script src="/review/app.js"></script>
</body>
</html>
`;

export const REVIEWER_SCRIPT = `'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { item: null, classes: [], skipped: new Set() };
  const params = new URLSearchParams(location.search);
  for (const k of ['model', 'reviewer']) $(k).value = params.get(k) || sessionStorage.getItem('mw-' + k) || '';
  $('token').value = sessionStorage.getItem('mw-token') || '';

  function headers() {
    const h = { 'content-type': 'application/json' };
    if ($('token').value) h.authorization = 'Bearer ' + $('token').value;
    return h;
  }
  async function api(method, path, body) {
    const res = await fetch(path, { method, headers: headers(), body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 204) return null;
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((json.code ? json.code + ': ' : '') + (json.error || res.status));
    return json;
  }
  function status(text) { $('status').textContent = text; }
  function show(el, on) { el.classList.toggle('hidden', !on); }

  function isImage(v) { return typeof v === 'string' && /^data:image\\/(png|jpeg|gif|webp);base64,/.test(v); }
  function renderInputs(inputs) {
    const entries = inputs ? Object.entries(inputs) : [];
    const image = entries.find(([, v]) => isImage(v));
    const texts = entries.filter(([, v]) => typeof v === 'string' && !isImage(v) && v.length > 60);
    show($('image'), !!image);
    if (image) $('image').src = image[1];
    show($('text'), !image && texts.length === 1 && entries.length === 1);
    if (!image && texts.length === 1 && entries.length === 1) $('text').textContent = texts[0][1];
    const rows = image || (texts.length === 1 && entries.length === 1) ? entries.filter(([k]) => k !== (image || texts[0])[0]) : entries;
    const tbody = $('features').querySelector('tbody');
    tbody.replaceChildren(...rows.map(([k, v]) => {
      const tr = document.createElement('tr');
      const a = document.createElement('td'); a.textContent = k;
      const b = document.createElement('td'); b.textContent = v === null ? '(missing)' : String(v);
      tr.append(a, b);
      return tr;
    }));
    show($('features'), rows.length > 0);
    show($('no-inputs'), entries.length === 0);
  }
  function renderClasses() {
    const item = state.item;
    const names = state.classes.slice();
    if (item && typeof item.prediction === 'string' && !names.includes(item.prediction)) names.push(item.prediction);
    $('classes').replaceChildren(...names.map((name, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.label = name;
      if (item && String(item.prediction) === name) b.classList.add('model');
      if (i < 9) { const k = document.createElement('kbd'); k.textContent = String(i + 1); b.append(k); }
      b.append(document.createTextNode(name));
      b.addEventListener('click', () => decide({ label: name }));
      return b;
    }));
  }
  async function refreshDepth() {
    try {
      const q = await api('GET', '/api/v1/review/queues');
      const mine = q.queues.find((x) => x.model === $('model').value);
      $('depth').textContent = (mine ? mine.pending : 0) + ' pending';
    } catch (e) { $('depth').textContent = ''; }
  }
  async function next() {
    const model = $('model').value;
    const reviewer = $('reviewer').value;
    try {
      const got = await api('POST', '/api/v1/review/claims', { model, reviewer, skip: [...state.skipped].slice(-100) });
      await refreshDepth();
      if (!got) { state.item = null; show($('item'), false); status('The queue of ' + model + ' is empty. Well done.'); return; }
      const item = got.item;
      state.item = item;
      const record = item.record || {};
      $('meta').textContent = 'Prediction ' + item.predictionId + ' · ' + (record.time || '') + ' · sent for ' + item.reason.replace(/_/g, ' ');
      $('prediction').textContent = item.prediction === null ? '(none)' : String(item.prediction);
      $('confidence').textContent = item.confidence === undefined ? 'unknown' : item.confidence.toFixed(3);
      renderInputs(record.inputs);
      renderClasses();
      show($('item'), true);
      status('Claimed until ' + new Date(got.claimUntil).toLocaleTimeString() + '. Press 1-9 or click a class.');
    } catch (e) { status(String(e.message || e)); }
  }
  async function decide(decision) {
    const item = state.item;
    if (!item) return;
    try {
      await api('POST', '/api/v1/review/' + encodeURIComponent(item.predictionId), Object.assign({ model: item.model, reviewer: $('reviewer').value }, decision));
      state.item = null;
      await next();
    } catch (e) { status(String(e.message || e)); }
  }
  async function start() {
    for (const k of ['model', 'reviewer', 'token']) sessionStorage.setItem('mw-' + k, $(k).value);
    if (!$('model').value || !$('reviewer').value) { status('Enter a model and your name first.'); return; }
    try {
      const c = await api('GET', '/api/v1/review/classes?model=' + encodeURIComponent($('model').value));
      state.classes = c.classes;
    } catch (e) { status(String(e.message || e)); return; }
    await next();
  }
  $('start').addEventListener('click', start);
  function skip() {
    if (state.item) state.skipped.add(state.item.predictionId);
    next();
  }
  $('skip').addEventListener('click', skip);
  $('other').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('other-value').value.trim();
    if (!text) return;
    $('other-value').value = '';
    const asNumber = Number(text);
    decide(state.classes.length === 0 && typeof (state.item && state.item.prediction) === 'number' && Number.isFinite(asNumber) ? { value: asNumber } : { label: text });
  });
  document.addEventListener('keydown', (ev) => {
    if (!state.item || ev.target instanceof HTMLInputElement) return;
    const i = Number(ev.key) - 1;
    const buttons = $('classes').querySelectorAll('button');
    if (i >= 0 && i < buttons.length && i < 9) { ev.preventDefault(); buttons[i].click(); }
    else if (ev.key === 'n') skip();
  });
  if ($('model').value && $('reviewer').value) start();
})();
`;
