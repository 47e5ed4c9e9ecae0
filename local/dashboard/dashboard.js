// Clara Pulse dashboard: the server pushes each new document (at most one a second) on one event
// stream, and the page shows it as it is. It never polls: however many pages are open, the
// server reads the document once per push. A null in the document is shown as "no data" — this
// page never invents or fills in a number.

const STREAM_PATH = '/admin/realtime/stream';
// Reconnecting: the first retry soon, then doubling up to 30 s, each wait drawn at random below
// that ceiling ("full jitter"), so a room of pages that lost the server together comes back spread out.
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 30_000;
// The server writes at least a heartbeat every 15 s: a stream silent for longer is dead, whatever TCP says.
const SILENCE_MS = 30_000;
const HOUR_MS = 3600 * 1000;
// Documents arrive every second; a point every 5 s is plenty for an hour's line and keeps localStorage small.
const SPARK_SPACING_MS = 5000;
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
  // Red exactly when the service-level alert fires: the rule (and its minimum of served escalations) is the server's.
  const serviceLevelLow = doc.alerts.some((alert) => alert.id === 'escalation-service-level-low');
  document.getElementById('service-level').classList.toggle('hot', serviceLevelLow);
}

// The five escalations waiting longest: their id, priority and age only — the desk needs no more, and the document carries no more.
function renderOldestPending(doc) {
  const body = document.getElementById('oldest-pending');
  body.replaceChildren();
  const waiting = doc.realTimeEscalations.oldestPending;
  if (waiting.length === 0) {
    const row = document.createElement('tr');
    cell(row, 'no escalation pending', 'nodata');
    body.appendChild(row);
  }
  for (const escalation of waiting) {
    const row = document.createElement('tr');
    row.dataset.escalationId = escalation.escalationId;
    cell(row, escalation.escalationId);
    cell(row, escalation.priority, `priority-${escalation.priority}`);
    cell(row, duration(escalation.ageSeconds));
    body.appendChild(row);
  }
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

// ---- the sparkline: messagesLastHour as it was pushed, over the last hour ----
function loadSpark() {
  try {
    return JSON.parse(localStorage.getItem(SPARK_KEY) || '[]');
  } catch {
    return [];
  }
}

function renderSparkline(doc) {
  const t = Date.parse(doc.timestamp);
  const kept = loadSpark().filter(([at]) => at > t - HOUR_MS && at < t);
  const last = kept[kept.length - 1];
  if (!last || t - last[0] >= SPARK_SPACING_MS) {
    kept.push([t, doc.messagesLastHour]);
    localStorage.setItem(SPARK_KEY, JSON.stringify(kept));
  }
  const points = [...kept.filter(([at]) => at < t), [t, doc.messagesLastHour]];
  const values = points.map(([, v]) => v);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  // Until an hour of points is collected, the line spans what there is rather than a sliver at the right.
  const from = points[0][0];
  const x = (at) => (t === from ? 300 : ((at - from) / (t - from)) * 300);
  const y = (v) => 44 - ((v - min) / span) * 40;
  document.getElementById('sparkline-line').setAttribute('points', points.map(([at, v]) => `${x(at).toFixed(1)},${y(v).toFixed(1)}`).join(' '));
  const minutes = Math.round((t - from) / 60000);
  setText(document.getElementById('sparkline-caption'), `${points.length} points over ${minutes} min · ${integer.format(min)}–${integer.format(max)}`);
}

// ---- pushed documents: one event stream, reconnected with back-off ----
function setStatus(text, state) {
  document.getElementById('status').textContent = text;
  document.getElementById('status-dot').className = `pulse-dot ${state}`;
}

let lastUpdate = 0;

function render(doc) {
  renderFields(doc);
  renderRegions(doc);
  renderQueueBar(doc);
  renderOldestPending(doc);
  renderAlerts(doc);
  renderFreshness(doc);
  renderFunctions(doc);
  renderSparkline(doc);
  lastUpdate = Date.now();
  document.body.dataset.timestamp = doc.timestamp;
  setStatus(`live · updated ${new Date(doc.timestamp).toLocaleTimeString()}`, 'ok');
}

/** One Server-Sent Events frame: its `event:` name and its `data:` lines joined. */
function parseFrame(frame) {
  let type = 'message';
  const data = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) continue; // a comment: the connection note, heartbeats
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  return { type, data: data.join('\n') };
}

/**
 * Follows the stream until it ends. Read with fetch rather than EventSource: fetch sends the token
 * in the Authorization header (EventSource cannot) and tells a refusal (401) from a lost connection.
 * Resolves to `refused`, or to why the stream ended.
 */
async function follow(token, onDocument) {
  const controller = new AbortController();
  let silence;
  const heard = () => {
    clearTimeout(silence);
    silence = setTimeout(() => controller.abort(new Error('the stream went silent')), SILENCE_MS);
  };
  try {
    heard(); // also bounds the wait for an answer
    const response = await fetch(STREAM_PATH, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
      cache: 'no-store',
      signal: controller.signal,
    });
    if (response.status === 401) return 'refused';
    if (!response.ok || !response.body) return `HTTP ${response.status}`;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'the server ended the stream';
      heard();
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event.type === 'document') onDocument(JSON.parse(event.data));
      }
    }
  } catch (error) {
    return controller.signal.aborted ? String(controller.signal.reason?.message ?? 'aborted') : error.message;
  } finally {
    clearTimeout(silence);
  }
}

const reconnectDelay = (attempt) => Math.random() * Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** attempt);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

async function start() {
  const token = takeToken();
  if (!token) return askForToken('An admin token is needed.');
  setStatus('connecting…', '');
  for (let attempt = 0; ; attempt++) {
    let received = false;
    const ended = await follow(token, (doc) => {
      received = true;
      render(doc);
    });
    if (ended === 'refused') {
      // A wrong or expired token does not get better by retrying: ask for another one.
      sessionStorage.removeItem(TOKEN_KEY);
      return askForToken('That token was not accepted.');
    }
    if (received) attempt = 0; // the stream worked: a fresh series of retries
    const delay = reconnectDelay(attempt);
    const age = lastUpdate ? `last update ${duration((Date.now() - lastUpdate) / 1000)} ago` : 'no update yet';
    setStatus(`stream lost (${ended}); ${age}; reconnecting in ${Math.ceil(delay / 1000)} s`, 'error');
    await sleep(delay);
  }
}

start();
