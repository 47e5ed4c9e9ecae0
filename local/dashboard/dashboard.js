// Clara Pulse dashboard: reads GET /admin/realtime every 2 s and shows the document as it is.
// A null in the document is shown as "no data" — this page never invents or fills in a number.

const REFRESH_MS = 2000;
const HOUR_MS = 3600 * 1000;
const TOKEN_KEY = 'clara-pulse-token';
const SPARK_KEY = `clara-pulse-messages:${location.origin}`;
const SOURCES = ['dynamodb-streams', 'eventbridge', 'kinesis'];

// ---- the token: given in the URL fragment (never sent to the server), kept for this tab ----
function takeToken() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

// ---- formatting: one function per kind of number ----
const NO_DATA = 'no data';
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const twoDecimals = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const FORMATS = {
  count: (v) => integer.format(v),
  ms: (v) => `${integer.format(v)} ms`,
  seconds: (v) => (Math.abs(v) < 60 ? `${twoDecimals.format(v)} s` : duration(v)),
  age: (v) => duration(v),
  percent: (v) => `${twoDecimals.format(v)} %`,
  share: (v) => `${twoDecimals.format(v * 100)} %`,
  perSecond: (v) => `${twoDecimals.format(v)} /s`,
};

function format(value, kind) {
  if (value === null || value === undefined) return NO_DATA;
  return (FORMATS[kind] || String)(value);
}

function relative(iso, nowMs) {
  if (!iso) return NO_DATA;
  const seconds = Math.round((nowMs - Date.parse(iso)) / 1000);
  return seconds <= 0 ? 'just now' : `${duration(seconds)} ago`;
}

const get = (object, path) => path.split('.').reduce((value, key) => (value == null ? undefined : value[key]), object);

// ---- rendering ----
function setText(element, text) {
  if (element.textContent === text) return;
  const first = element.textContent === '';
  element.textContent = text;
  element.classList.toggle('nodata', text === NO_DATA);
  if (!first) {
    element.classList.remove('changed');
    void element.offsetWidth; // restart the highlight animation
    element.classList.add('changed');
  }
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (text === NO_DATA) td.classList.add('nodata');
  if (className) td.classList.add(className);
  row.appendChild(td);
}

function renderFields(doc) {
  for (const element of document.querySelectorAll('[data-field]')) {
    setText(element, format(get(doc, element.dataset.field), element.dataset.format));
  }
}

function renderRegions(doc) {
  const regions = Object.entries(doc.activeUsers.byRegion).sort((a, b) => b[1] - a[1]);
  setText(document.getElementById('regions'), regions.length ? regions.map(([region, n]) => `${region} ${n}`).join(' · ') : 'no active users by region');
}

function renderQueueBar(doc) {
  const { pending, inProgress } = doc.realTimeEscalations;
  const total = pending + inProgress;
  document.getElementById('bar-pending').style.width = total ? `${(pending / total) * 100}%` : '0';
  document.getElementById('bar-progress').style.width = total ? `${(inProgress / total) * 100}%` : '0';
  document.querySelector('.value.critical').classList.toggle('hot', doc.realTimeEscalations.criticalCount > 0);
}

function renderAlerts(doc) {
  const list = document.getElementById('alerts');
  list.replaceChildren();
  if (doc.alerts.length === 0) {
    const li = document.createElement('li');
    li.className = 'none';
    li.textContent = 'No alert firing';
    list.appendChild(li);
    return;
  }
  for (const alert of doc.alerts) {
    const li = document.createElement('li');
    li.className = `alert ${alert.severity}`;
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = alert.severity;
    const message = document.createElement('span');
    message.className = 'message';
    message.textContent = alert.message;
    const since = document.createElement('span');
    since.className = 'since';
    since.textContent = `since ${new Date(alert.timestamp).toLocaleTimeString()}`;
    li.append(badge, message, since);
    list.appendChild(li);
  }
}

function renderFreshness(doc) {
  const body = document.getElementById('freshness');
  const now = Date.parse(doc.timestamp);
  body.replaceChildren();
  for (const source of SOURCES) {
    const f = doc.freshness[source];
    const row = document.createElement('tr');
    cell(row, source);
    cell(row, relative(f.newestEventAt, now));
    cell(row, relative(f.lastAppliedAt, now));
    cell(row, f.lagSeconds === null ? NO_DATA : `${twoDecimals.format(f.lagSeconds)} s`, f.lagSeconds > 60 ? 'late' : undefined);
    body.appendChild(row);
  }
}

function renderFunctions(doc) {
  const body = document.getElementById('functions');
  body.replaceChildren();
  const entries = Object.entries(doc.systemPerformance.lambdaMetrics).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) {
    const row = document.createElement('tr');
    cell(row, 'no invocations in the last 5 minutes', 'nodata');
    body.appendChild(row);
  }
  for (const [name, m] of entries) {
    const row = document.createElement('tr');
    cell(row, name);
    cell(row, integer.format(m.invocations));
    cell(row, integer.format(m.errors), m.errors > 0 ? 'late' : undefined);
    cell(row, `${twoDecimals.format(m.duration)} ms`);
    cell(row, integer.format(m.throttles));
    body.appendChild(row);
  }
}

// ---- the sparkline: messagesLastHour as it was read, over the last hour of reads ----
function loadSpark() {
  try {
    return JSON.parse(localStorage.getItem(SPARK_KEY) || '[]');
  } catch {
    return [];
  }
}

function renderSparkline(doc) {
  const t = Date.parse(doc.timestamp);
  const points = loadSpark().filter(([at]) => at > t - HOUR_MS && at < t);
  points.push([t, doc.messagesLastHour]);
  localStorage.setItem(SPARK_KEY, JSON.stringify(points));
  const values = points.map(([, v]) => v);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  // Until an hour of reads is collected, the line spans what there is rather than a sliver at the right.
  const from = points[0][0];
  const x = (at) => (t === from ? 300 : ((at - from) / (t - from)) * 300);
  const y = (v) => 44 - ((v - min) / span) * 40;
  document.getElementById('sparkline-line').setAttribute('points', points.map(([at, v]) => `${x(at).toFixed(1)},${y(v).toFixed(1)}`).join(' '));
  const minutes = Math.round((t - from) / 60000);
  setText(document.getElementById('sparkline-caption'), `${points.length} reads over ${minutes} min · ${integer.format(min)}–${integer.format(max)}`);
}

// ---- the loop ----
function setStatus(text, state) {
  document.getElementById('status').textContent = text;
  document.getElementById('status-dot').className = `pulse-dot ${state}`;
}

let lastSuccess = 0;

async function refresh(token) {
  const started = performance.now();
  try {
    const response = await fetch('/admin/realtime', { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken('That token was not accepted.');
      return false;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const doc = await response.json();
    renderFields(doc);
    renderRegions(doc);
    renderQueueBar(doc);
    renderAlerts(doc);
    renderFreshness(doc);
    renderFunctions(doc);
    renderSparkline(doc);
    lastSuccess = Date.now();
    document.body.dataset.timestamp = doc.timestamp;
    setStatus(`updated ${new Date(doc.timestamp).toLocaleTimeString()} · read in ${Math.round(performance.now() - started)} ms`, 'ok');
  } catch (error) {
    const age = lastSuccess ? `last update ${duration((Date.now() - lastSuccess) / 1000)} ago` : 'no update yet';
    setStatus(`cannot read the metrics (${error.message}); ${age}`, 'error');
  }
  return true;
}

function askForToken(reason) {
  const form = document.getElementById('token-form');
  form.hidden = false;
  document.getElementById('board').hidden = true;
  setStatus(reason, 'error');
  form.onsubmit = (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById('token-input').value.trim());
    form.hidden = true;
    document.getElementById('board').hidden = false;
    start();
  };
}

let timer;
async function start() {
  clearTimeout(timer);
  const token = takeToken();
  if (!token) return askForToken('An admin token is needed.');
  const tick = async () => {
    if (await refresh(token)) timer = setTimeout(tick, REFRESH_MS);
  };
  await tick();
}

start();
