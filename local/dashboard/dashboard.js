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
const TOKEN_KEY = 'clara-pulse-token';
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

function renderFreshness(doc, now) {
  const body = document.getElementById('freshness');
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

// ---- the last hour, minute by minute: sparklines drawn from the document's `series` (SPEC §4.1) ----
// Each card's figure names its series (`data-series`); the server sends the whole hour in every
// document, so a reload draws the same lines at once. A null minute is a gap in the line.
const SPARK_WIDTH = 300;
const SPARK_HEIGHT = 48;
const SPARK_MARGIN = 4;
const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** The line's path: one `M … L …` run per stretch of minutes with a value; a lone minute is a dot. */
function sparkPath(values) {
  const known = values.filter((v) => v !== null);
  const top = Math.max(0, ...known) || 1; // from zero, so a quiet hour looks quiet
  const x = (i) => (values.length > 1 ? (i / (values.length - 1)) * SPARK_WIDTH : SPARK_WIDTH);
  const y = (v) => SPARK_HEIGHT - SPARK_MARGIN - (v / top) * (SPARK_HEIGHT - 2 * SPARK_MARGIN);
  const runs = [];
  values.forEach((v, i) => {
    if (v === null) return;
    const point = `${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    if (i > 0 && values[i - 1] !== null) runs[runs.length - 1].push(point);
    else runs.push([point]);
  });
  // A run of one minute has no length: a zero-length segment with round caps shows it as a dot.
  return runs.map((run) => (run.length === 1 ? `M${run[0]} l0,0` : `M${run.join(' L')}`)).join(' ');
}

function sparkCaption(doc, values, figure) {
  const range = `${clock.format(new Date(doc.series.minutes[0]))}–${clock.format(new Date(doc.timestamp))}`;
  const known = values.filter((v) => v !== null);
  const label = `${figure.dataset.label} · ${range}`;
  if (known.length === 0) return `${label} · ${NO_DATA}`;
  const highest = format(Math.max(...known), figure.dataset.format);
  if (known.length === values.length) return `${label} · max ${highest}`;
  const lowest = format(Math.min(...known), figure.dataset.format);
  return `${label} · ${known.length} of ${values.length} min with data · ${lowest}–${highest}`;
}

function renderSparklines(doc) {
  for (const figure of document.querySelectorAll('[data-series]')) {
    const values = doc.series[figure.dataset.series];
    figure.querySelector('path').setAttribute('d', sparkPath(values));
    // What was drawn, for readers and tests: the values minute by minute ("" for a gap) and the first minute.
    figure.dataset.values = values.map((v) => (v === null ? '' : String(v))).join(',');
    figure.dataset.from = doc.series.minutes[0];
    setText(figure.querySelector('figcaption'), sparkCaption(doc, values, figure));
  }
}

// ---- pushed documents: one event stream, reconnected with back-off ----
function setStatus(text, state) {
  document.getElementById('status').textContent = text;
  document.getElementById('status-dot').className = `pulse-dot ${state}`;
}

let lastUpdate = 0;

/** Shows a document. `nowMs` is the instant its freshness ("… ago") is told from. */
function render(doc, nowMs) {
  renderFields(doc);
  renderRegions(doc);
  renderQueueBar(doc);
  renderOldestPending(doc);
  renderAlerts(doc);
  renderFreshness(doc, nowMs);
  renderFunctions(doc);
  renderSparklines(doc);
  document.body.dataset.timestamp = doc.timestamp;
}

// ---- live, or looking back ----
// Looking back shows one document, fetched once with GET /admin/realtime?at=…, and holds it still.
// The stream stays open meanwhile and its newest document is kept, not shown: back to live shows
// it at once instead of waiting for a reconnect, and the status line keeps telling whether live
// updates arrive. (The pusher reads once a second for all viewers, so one page staying connected
// adds nothing to the table's reads.)
const READ_PATH = '/admin/realtime';
const MINUTE_MS = 60_000;
// The API answers up to 48 h back; the picker offers that range, the server has the last word.
const LOOK_BACK_LIMIT_MS = 48 * 3600 * 1000;
const dayOf = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short' });

let lookingBackAt = null; // the `at` of the document shown while looking back; null when live
let latestPushed = null;
let lookBackAsked = 0; // numbers each look-back request: only the newest answer is shown, none once back to live

let streaming = false; // a stream is open and has delivered

function showLatestPushed() {
  render(latestPushed, Date.parse(latestPushed.timestamp));
  // Once the stream is lost, the status line says so; a held document does not make it live again.
  if (streaming) setStatus(`live · updated ${new Date(latestPushed.timestamp).toLocaleTimeString()}`, 'ok');
}

function onPushed(doc) {
  latestPushed = doc;
  lastUpdate = Date.now();
  streaming = true;
  if (lookingBackAt === null) return showLatestPushed();
  setStatus(`looking back; live updates held (newest ${new Date(doc.timestamp).toLocaleTimeString()})`, 'ok');
}

/** "14:05", with the day when it is not today (in the browser's time zone, as the picker is). */
function minuteLabel(ms) {
  const when = new Date(ms);
  const today = new Date().toDateString() === when.toDateString();
  return today ? clock.format(when) : `${clock.format(when)}, ${dayOf.format(when)}`;
}

/** A datetime-local value ("2026-03-10T14:05", local time) for an instant. */
function pickerValue(ms) {
  const d = new Date(ms);
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

function setMode(atMs) {
  const live = atMs === null;
  document.body.dataset.mode = live ? 'live' : 'look-back';
  document.getElementById('mode').textContent = live ? 'Live' : `Looking back at ${minuteLabel(atMs)}`;
  document.getElementById('subtitle').textContent = live ? 'ADA Clara support desk, live' : 'ADA Clara support desk, as it stood then';
  document.getElementById('back-to-live').hidden = live;
}

function showLookBackError(text) {
  const error = document.getElementById('look-back-error');
  error.textContent = text ?? '';
  error.hidden = !text;
}

/** The picker offers the last 48 h up to the current minute. */
function boundPicker(input) {
  const now = Date.now();
  input.min = pickerValue(now - LOOK_BACK_LIMIT_MS + MINUTE_MS);
  input.max = pickerValue(now);
}

/**
 * Looks back to the end of the picked minute: `at` is its last millisecond (picking 14:05 sends
 * `…T14:05:59.999` in UTC), the desk as it stood when 14:05 ended. The API counts `at`'s minute
 * bucket whole, so that is also what any instant within 14:05 would show.
 */
async function lookBack(token, pickedMinuteMs) {
  const at = new Date(pickedMinuteMs + MINUTE_MS - 1).toISOString();
  const asked = ++lookBackAsked;
  showLookBackError(null);
  let response;
  let body;
  try {
    response = await fetch(`${READ_PATH}?at=${encodeURIComponent(at)}`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
    body = await response.json().catch(() => ({}));
  } catch (error) {
    if (asked === lookBackAsked) showLookBackError(`Could not look back: ${error.message}`);
    return;
  }
  if (asked !== lookBackAsked) return; // a newer pick, or back to live, came first
  if (!response.ok) {
    // 400 says what is wrong with `at` in `error`; 401 and 503 explain themselves in `message`.
    return showLookBackError(`Could not look back to ${minuteLabel(pickedMinuteMs)}: ${body.error ?? body.message ?? `HTTP ${response.status}`}`);
  }
  lookingBackAt = at;
  setMode(pickedMinuteMs);
  render(body, Date.now()); // freshness describes now (SPEC §4.1), whatever `at` is
  setStatus(`looking back; live updates held${latestPushed ? ` (newest ${new Date(latestPushed.timestamp).toLocaleTimeString()})` : ''}`, 'ok');
}

function backToLive() {
  lookBackAsked++;
  lookingBackAt = null;
  setMode(null);
  showLookBackError(null);
  if (latestPushed) showLatestPushed();
}

function setUpLookBack(token) {
  const input = document.getElementById('look-back-at');
  boundPicker(input);
  if (!input.value) input.value = pickerValue(Date.now() - 15 * MINUTE_MS);
  input.onfocus = () => boundPicker(input);
  document.getElementById('look-back-form').onsubmit = (event) => {
    event.preventDefault();
    // A datetime-local value without a zone is local time (as the browser shows it).
    const picked = Date.parse(input.value);
    if (Number.isNaN(picked)) return showLookBackError('Pick a day and a minute to look back to.');
    void lookBack(token, picked);
  };
  document.getElementById('back-to-live').onclick = backToLive;
  setMode(null);
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
  setUpLookBack(token);
  setStatus('connecting…', '');
  for (let attempt = 0; ; attempt++) {
    let received = false;
    const ended = await follow(token, (doc) => {
      received = true;
      onPushed(doc);
    });
    if (ended === 'refused') {
      // A wrong or expired token does not get better by retrying: ask for another one.
      sessionStorage.removeItem(TOKEN_KEY);
      return askForToken('That token was not accepted.');
    }
    streaming = false;
    if (received) attempt = 0; // the stream worked: a fresh series of retries
    const delay = reconnectDelay(attempt);
    const age = lastUpdate ? `last update ${duration((Date.now() - lastUpdate) / 1000)} ago` : 'no update yet';
    setStatus(`stream lost (${ended}); ${age}; reconnecting in ${Math.ceil(delay / 1000)} s`, 'error');
    await sleep(delay);
  }
}

// Earlier versions of this page kept their own sparkline points here; the document's series replaced them.
localStorage.removeItem(`clara-pulse-messages:${location.origin}`);
start();
