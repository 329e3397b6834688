// The inspector page: the request journal live (server-sent events from
// /_emulator/requests/feed), each entry's bodies and decoded frames, the scenarios, the control
// plane's resources and the async invocations. Everything it shows is set as text, never as
// markup: request bodies are whatever a client sent.
'use strict';

// Rows the page keeps: the journal holds up to 10,000 entries; the newest 5,000 stay listed.
const MAX_ROWS = 5000;
// While a stream is still being sent, its detail is fetched again this often.
const OPEN_STREAM_REFRESH_MS = 500;
// A feed the server refused is asked for again this often.
const FEED_RETRY_MS = 2000;
// The scenario, resource and async panels are read again this often while shown.
const PANEL_REFRESH_MS = 2000;

const $ = (selector) => document.querySelector(selector);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    if (cell instanceof Node) td.appendChild(cell);
    else td.textContent = cell === undefined || cell === null ? '' : String(cell);
    tr.appendChild(td);
  }
  return tr;
}

async function admin(path, options) {
  const response = await fetch(path, options);
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = { message: text };
  }
  if (!response.ok) throw new Error((body && body.message) || response.statusText);
  return body;
}

// ---- the request journal -------------------------------------------------------------------

const journal = {
  rows: [], // {entry, tr}, oldest first
  pending: [],
  flushScheduled: false,
  selected: null,
  operations: new Set(),
  models: new Set(),
};

function statusClass(entry) {
  if (entry.fault) return 'fault';
  if (!entry.status) return 'fault';
  if (entry.status >= 500) return 's5';
  if (entry.status >= 400) return 's4';
  return 's2';
}

function journalRow(entry) {
  const time = entry.time ? entry.time.slice(11, 23) : '';
  const problem = [entry.exception, entry.fault, entry.streamEndedWith].filter(Boolean).join(' ');
  const rule = entry.scenario ? `${entry.scenario} #${entry.rule}${entry.ruleName ? ` ${entry.ruleName}` : ''}` : '';
  const tr = row([
    time,
    entry.operation || `${entry.method} ${entry.path}`,
    entry.modelId || '',
    entry.httpVersion,
    entry.status || '—',
    problem,
    entry.durationMs,
    rule,
  ]);
  tr.className = statusClass(entry);
  tr.dataset.requestId = entry.requestId;
  tr.tabIndex = 0;
  return tr;
}

function addOption(select, set, value) {
  if (!value || set.has(value)) return;
  set.add(value);
  const option = element('option', value);
  option.value = value;
  select.appendChild(option);
}

function matches(entry, filters) {
  if (filters.operation && entry.operation !== filters.operation) return false;
  if (filters.model && entry.modelId !== filters.model) return false;
  if (filters.status) {
    const s = entry.status || 0;
    if (filters.status === '2xx' && !(s >= 200 && s < 300)) return false;
    if (filters.status === '4xx' && !(s >= 400 && s < 500)) return false;
    if (filters.status === '5xx' && !(s >= 500)) return false;
    if (filters.status === 'error' && !(s >= 400 || !s || entry.fault || entry.exception)) return false;
  }
  if (filters.text) {
    const haystack = [entry.requestId, entry.path, entry.scenario, entry.ruleName, entry.exception, entry.fault]
      .filter(Boolean).join(' ').toLowerCase();
    if (!haystack.includes(filters.text)) return false;
  }
  return true;
}

function currentFilters() {
  return {
    operation: $('#filter-operation').value,
    model: $('#filter-model').value,
    status: $('#filter-status').value,
    text: $('#filter-text').value.trim().toLowerCase(),
  };
}

function updateCount() {
  const shown = journal.rows.reduce((n, r) => n + (r.tr.hidden ? 0 : 1), 0);
  $('#shown-count').textContent = `${shown} of ${journal.rows.length}`;
  $('#empty').hidden = journal.rows.length > 0;
}

function applyFilters() {
  const filters = currentFilters();
  for (const r of journal.rows) r.tr.hidden = !matches(r.entry, filters);
  updateCount();
}

// Entries arrive one event each; they are added to the table in batches, newest on top.
function flushPending() {
  journal.flushScheduled = false;
  if (journal.pending.length === 0) return;
  const filters = currentFilters();
  const fragment = document.createDocumentFragment();
  for (let i = journal.pending.length - 1; i >= 0; i--) {
    const entry = journal.pending[i];
    const tr = journalRow(entry);
    tr.hidden = !matches(entry, filters);
    journal.rows.push({ entry, tr });
    fragment.appendChild(tr);
    addOption($('#filter-operation'), journal.operations, entry.operation);
    addOption($('#filter-model'), journal.models, entry.modelId);
  }
  journal.pending = [];
  const body = $('#journal tbody');
  body.insertBefore(fragment, body.firstChild);
  while (journal.rows.length > MAX_ROWS) journal.rows.shift().tr.remove();
  updateCount();
}

function addEntry(entry) {
  journal.pending.push(entry);
  if (!journal.flushScheduled) {
    journal.flushScheduled = true;
    setTimeout(flushPending, 30);
  }
}

function clearRows() {
  journal.rows = [];
  journal.pending = [];
  $('#journal tbody').replaceChildren();
  $('#detail').hidden = true;
  journal.selected = null;
  updateCount();
}

// ---- one entry, opened ---------------------------------------------------------------------

function pretty(body) {
  if (!body) return '(empty)';
  let text = body.text;
  if (body.encoding === 'utf-8') {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
    } catch (e) {
      // not JSON, or cut: shown as it is
    }
  } else {
    text = `base64: ${text}`;
  }
  if (body.cut) text += `\n\n[cut: ${body.bytes} bytes in all, the first ${body.encoding === 'utf-8' ? body.text.length : 'part'} kept]`;
  return text;
}

// A chunk event's payload is {"bytes": base64 of the model's JSON}: shown decoded too.
function framePayload(payload) {
  if (!payload) return '';
  let text = pretty(payload);
  try {
    const parsed = JSON.parse(payload.text);
    if (parsed && typeof parsed.bytes === 'string') {
      const decoded = new TextDecoder().decode(Uint8Array.from(atob(parsed.bytes), (c) => c.charCodeAt(0)));
      text += `\n\nbytes, decoded:\n${decoded}`;
    }
  } catch (e) {
    // not a chunk
  }
  return text;
}

function showDetail(entry) {
  $('#detail').hidden = false;
  $('#detail-title').textContent = `${entry.operation || entry.path} · ${entry.status || 'no answer'}`;
  const facts = $('#detail-facts');
  facts.replaceChildren();
  const fact = (name, value) => {
    if (value === null || value === undefined || value === '') return;
    facts.appendChild(element('dt', name));
    facts.appendChild(element('dd', value));
  };
  fact('Request id', entry.requestId);
  fact('Time', entry.time);
  fact('Request', `${entry.method} ${entry.path} (${entry.httpVersion})`);
  fact('Model', entry.modelId);
  fact('Exception', entry.exception);
  fact('Fault', entry.fault);
  fact('Scenario rule', entry.scenario ? `${entry.scenario} #${entry.rule} ${entry.ruleName || ''}` : null);
  fact('Duration', `${entry.durationMs} ms`);
  fact('SDK invocation', entry.invocationId ? `${entry.invocationId} (${entry.attempt || ''})` : null);
  fact('Response type', entry.responseType);
  $('#detail-request').textContent = pretty(entry.requestBody);
  const streamed = Array.isArray(entry.frames);
  $('#detail-response-part').hidden = streamed;
  $('#detail-frames-part').hidden = !streamed;
  if (!streamed) {
    $('#detail-response').textContent = pretty(entry.responseBody);
    return;
  }
  const notes = [`${entry.eventsSent} events sent`];
  if (!entry.streamComplete) notes.push('still streaming');
  if (entry.streamEndedWith) notes.push(`ended with ${entry.streamEndedWith}`);
  if (entry.framesNotKept) notes.push(`${entry.framesNotKept} frames not kept (the journal keeps the first ones)`);
  $('#detail-frames-note').textContent = `(${notes.join(', ')})`;
  const body = $('#frames tbody');
  body.replaceChildren();
  entry.frames.forEach((frame, index) => {
    const headers = Object.entries(frame.headers).map(([k, v]) => `${k}: ${v}`).join('\n');
    const tr = row([index + 1, frame.atMs, element('pre', headers), element('pre', framePayload(frame.payload))]);
    tr.className = 'frame';
    body.appendChild(tr);
  });
}

async function openEntry(requestId) {
  journal.selected = requestId;
  for (const r of journal.rows) r.tr.classList.toggle('selected', r.entry.requestId === requestId);
  let entry;
  try {
    entry = await admin(`/_emulator/requests/${encodeURIComponent(requestId)}`);
  } catch (e) {
    $('#detail').hidden = false;
    $('#detail-title').textContent = e.message;
    return;
  }
  if (journal.selected !== requestId) return;
  showDetail(entry);
  if (Array.isArray(entry.frames) && !entry.streamComplete) {
    setTimeout(() => journal.selected === requestId && openEntry(requestId), OPEN_STREAM_REFRESH_MS);
  }
}

// ---- the live feed -------------------------------------------------------------------------

// The newest entry seen: a feed opened again (after a 503, or a server restart) resumes there.
let lastSeq = 0;

function connectFeed() {
  const live = $('#live');
  // The browser reconnects by itself after a dropped connection, sending Last-Event-ID; an
  // answer that is not a feed (503: too many open) closes it for good, so it is opened anew.
  const feed = new EventSource(`/_emulator/requests/feed?after=${lastSeq}`);
  feed.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
  });
  feed.addEventListener('error', () => {
    live.textContent = 'reconnecting';
    live.className = 'live off';
    if (feed.readyState === EventSource.CLOSED) setTimeout(connectFeed, FEED_RETRY_MS);
  });
  feed.addEventListener('request', (event) => {
    const entry = JSON.parse(event.data);
    lastSeq = Math.max(lastSeq, entry.seq || 0);
    addEntry(entry);
  });
  feed.addEventListener('cleared', () => {
    lastSeq = 0;
    clearRows();
  });
}

// ---- the other panels ----------------------------------------------------------------------

function fillTable(selector, rows) {
  const body = $(`${selector} tbody`);
  body.replaceChildren(...rows.map(row));
}

async function showScenarios() {
  const { scenarios } = await admin('/_emulator/scenarios');
  const list = $('#scenario-list');
  list.replaceChildren();
  if (scenarios.length === 0) list.appendChild(element('p', 'No scenario is active.', 'note'));
  for (const scenario of scenarios) {
    const box = element('article', null, 'scenario');
    box.appendChild(element('h2', `${scenario.name} (${scenario.source}, state ${scenario.state})`));
    const table = element('table');
    table.appendChild(row(['#', 'Name', 'Hits', 'Match', 'Outcome']));
    table.firstChild.className = 'head';
    const rules = (scenario.definition && scenario.definition.rules) || [];
    rules.forEach((rule, index) => {
      const { match, name, ...outcome } = rule;
      table.appendChild(row([
        index,
        name || '',
        scenario.rulesApplied[index] || 0,
        element('pre', JSON.stringify(match || {}, null, 1)),
        element('pre', JSON.stringify(outcome, null, 1).slice(0, 2000)),
      ]));
    });
    box.appendChild(table);
    list.appendChild(box);
  }
  return scenarios;
}

async function showResources() {
  const [resources, { scenarios }] = await Promise.all([admin('/_emulator/resources'), admin('/_emulator/scenarios')]);
  const guardrails = [];
  const prompts = [];
  for (const scenario of scenarios) {
    const definition = scenario.definition || {};
    for (const g of definition.guardrails || []) {
      guardrails.push([g.guardrailIdentifier, g.version || 'DRAFT', g.name || '', '', `scenario ${scenario.name}`]);
    }
    for (const p of definition.prompts || []) {
      prompts.push([p.promptIdentifier, p.version || 'DRAFT', p.name || '', `scenario ${scenario.name}`]);
    }
  }
  for (const g of resources.guardrails) guardrails.push([g.id, g.version, g.name, g.status || '', 'control plane']);
  for (const p of resources.prompts) prompts.push([p.id, p.version, p.name, 'control plane']);
  fillTable('#guardrail-table', guardrails);
  fillTable('#prompt-table', prompts);
  fillTable('#profile-table', resources.inferenceProfiles.map((p) => [
    p.id, p.name, ((p.answer && p.answer.models) || []).map((m) => m.modelArn).join('\n'),
  ]));
}

async function showAsync() {
  const { asyncInvocations } = await admin('/_emulator/resources');
  fillTable('#async-table', asyncInvocations.map((a) => [
    a.invocationArn.split('/').pop(),
    a.modelId,
    a.status + (a.failureMessage ? `: ${a.failureMessage}` : ''),
    a.submitTime,
    a.endTime || '',
    element('pre', [a.outputUri, ...a.outputFiles.map((f) => `  ${f}`)].join('\n')),
  ]));
}

const panels = { scenarios: showScenarios, resources: showResources, async: showAsync };
let panelTimer = null;

function showTab(name) {
  for (const tab of document.querySelectorAll('.tab')) {
    tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll('.panel')) panel.hidden = panel.id !== name;
  clearInterval(panelTimer);
  const show = panels[name];
  if (!show) return;
  const refresh = () => show().catch((e) => console.error(e));
  refresh();
  panelTimer = setInterval(refresh, PANEL_REFRESH_MS);
}

// ---- start ---------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => showTab(tab.dataset.tab));
  for (const id of ['#filter-operation', '#filter-model', '#filter-status']) $(id).addEventListener('change', applyFilters);
  $('#filter-text').addEventListener('input', applyFilters);
  $('#filters').addEventListener('submit', (e) => e.preventDefault());
  $('#journal tbody').addEventListener('click', (event) => {
    const tr = event.target.closest('tr');
    if (tr && tr.dataset.requestId) openEntry(tr.dataset.requestId);
  });
  $('#journal tbody').addEventListener('keydown', (event) => {
    const tr = event.target.closest('tr');
    if (event.key === 'Enter' && tr && tr.dataset.requestId) openEntry(tr.dataset.requestId);
  });
  // The feed's `cleared` event empties the table, whoever cleared the journal.
  $('#clear-journal').addEventListener('click', () => admin('/_emulator/requests', { method: 'DELETE' }).catch(alert));
  $('#reset').addEventListener('click', () => admin('/_emulator/reset', { method: 'POST' }).catch(alert));
  admin('/_emulator/health').then((h) => {
    $('#server').textContent = `${h.version} · ${h.region}`;
  }).catch(() => {});
  updateCount();
  connectFeed();
});
