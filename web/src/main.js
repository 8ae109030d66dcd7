// kyoso serve: the page. It owns one session on the server (POST
// /api/sessions), listens to its WebSocket and draws; the server runs the
// simulation. See crates/kyoso-serve/PROTOCOL.md.
import { api, errorMessage } from './api.js';
import { $, h } from './dom.js';
import { ControlsPanel } from './controls.js';
import { MarketView } from './market.js';
import { LatticeView } from './lattice.js';

const SPEEDS = [1, 2, 5, 10, 20, 30, 60, 120, 240, 600, 0];

const ui = {
  model: $('#model'),
  preset: $('#preset'),
  presetLabel: $('#preset-label'),
  seed: $('#seed'),
  run: $('#run'),
  pause: $('#pause'),
  step: $('#step'),
  reset: $('#reset'),
  speed: $('#speed'),
  tick: $('#tick'),
  status: $('#status'),
  banner: $('#banner'),
  controls: $('#controls'),
  command: $('#command'),
  commandNext: $('#command-next'),
  commandNextRow: $('#command-next-row'),
  copy: $('#copy'),
  download: $('#download'),
  view: $('#view'),
  modelTitle: $('#model-title'),
  note: $('#params-note'),
  schedule: $('#schedule'),
  scheduleList: $('#schedule-list'),
  version: $('#version'),
};

const st = {
  meta: null,
  model: null, // model entry of /api/meta
  session: null,
  ws: null,
  view: null,
  panel: null,
  tick: 0,
  ticksTotal: 0,
  running: false,
  done: false,
  speed: null,
  userSpeed: null, // the speed chosen here, carried over to new sessions
  connected: false,
  generation: 0, // bumps on every session change; stale callbacks check it
  pendingOther: new Set(), // pending seed / preset
  shownTick: null,
  statusDirty: true,
  message: '',
};

function setStatus(text) {
  st.message = text;
  st.statusDirty = true;
}

function showBanner(text, action) {
  ui.banner.replaceChildren(h('strong', null, text));
  if (action) ui.banner.append(' ', h('button', { type: 'button', onclick: action.run }, action.label));
  ui.banner.hidden = false;
}

function hideBanner() {
  ui.banner.hidden = true;
  ui.banner.replaceChildren();
}

function enable(on) {
  for (const el of [ui.run, ui.pause, ui.step, ui.reset, ui.speed, ui.seed, ui.preset]) el.disabled = !on;
  if (on) updateButtons();
}

function updateButtons() {
  if (!st.session || !st.connected) return;
  ui.run.disabled = st.running || st.done;
  ui.pause.disabled = !st.running;
  ui.step.disabled = st.done;
  ui.reset.disabled = false;
  const pending = (st.panel && st.panel.pending.size) || st.pendingOther.size;
  ui.reset.classList.toggle('attention', !!pending);
  ui.reset.title = pending ? 'Reset to apply the pending parameters' : 'Back to tick 0';
}

// ---- session lifecycle ---------------------------------------------------------

async function closeSession() {
  const old = st.session;
  const ws = st.ws;
  st.generation++;
  st.session = null;
  st.ws = null;
  st.connected = false;
  if (ws) {
    ws.onclose = ws.onmessage = ws.onerror = null;
    // Closing a socket still connecting makes chromium log an error: close it once open.
    ws.onopen = () => ws.close(1000, 'session closed');
  }
  if (old) await api('DELETE', `/api/sessions/${old.id}`);
  if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000, 'session closed');
  if (st.view) st.view.destroy();
  st.view = null;
}

async function openSession(modelId) {
  enable(false);
  ui.model.disabled = true;
  await closeSession();
  const gen = st.generation;
  const model = st.meta.models.find((m) => m.id === modelId) || st.meta.models[0];
  st.model = model;
  ui.model.value = model.id;
  ui.modelTitle.textContent = `· ${model.title}`;
  history.replaceState(null, '', `#model=${encodeURIComponent(model.id)}`);
  setupPresets(model);
  st.panel = null;
  ui.controls.replaceChildren();
  st.pendingOther.clear();
  setStatus('creating a session…');
  const r = await api('POST', '/api/sessions', { model: model.id });
  if (gen !== st.generation) {
    // Another model was chosen meanwhile: free this session at once.
    if (r.ok && r.body && r.body.id) api('DELETE', `/api/sessions/${r.body.id}`);
    return;
  }
  ui.model.disabled = false;
  if (!r.ok) {
    const msg = errorMessage(r);
    if (r.status === 503) {
      showBanner(`No session: ${msg}`, { label: 'Try again', run: () => openSession(model.id) });
      setStatus('no session (server full)');
    } else {
      showBanner(`Could not start a session: ${msg}`, { label: 'Try again', run: () => openSession(model.id) });
      setStatus('no session');
    }
    return;
  }
  hideBanner();
  const s = r.body;
  st.session = s;
  st.tick = 0;
  st.ticksTotal = s.ticks_total || 0;
  st.running = false;
  st.done = false;
  const hint =
    model.view === 'market'
      ? { placeholder: 'key=value, e.g. market.demand_growth=0.01', hint: 'any scenario key (kyoso scenario show lists them)' }
      : { placeholder: 'key=value', hint: `any parameter of kyoso ${model.id}` };
  const timing = () => ({
    // A market past its first month and before its last takes changes at once (they join its schedule).
    live: model.view === 'market' && st.tick > 0 && !st.done,
    fresh: st.tick === 0 && !st.running,
  });
  st.panel = new ControlsPanel(ui.controls, model.controls || [], postParams, onSessionValues, hint, timing, applyFresh);
  ui.note.textContent =
    model.view === 'market'
      ? 'Before the first month a change applies at once. During a run a slider applies from the next month: it joins the run\'s schedule, shown below and in the command line, so the run can be re-run exactly. Keys marked "at reset" and changes after the last month wait for Reset. Speed changes at once.'
      : 'A change applies at once before the first step, otherwise on Reset (each run is one set of parameters from the start, so it can be re-run exactly). Speed changes at once.';
  onSessionValues(s);
  ui.download.href = `/api/sessions/${s.id}/download`;
  st.view = model.view === 'market' ? new MarketView(h('div', { class: 'market' })) : new LatticeView(h('div', { class: 'lattice-view' }), model.time_unit || 'tick');
  ui.view.replaceChildren(st.view.root);
  connect(s, gen);
}

function setupPresets(model) {
  const presets = model.presets || [];
  ui.presetLabel.hidden = presets.length === 0;
  ui.preset.replaceChildren(h('option', { value: '' }, 'none (default)'), ...presets.map((p) => h('option', { value: p.name, title: p.description || '' }, p.name)));
  ui.preset.title = 'Preset scenario; applies on Reset';
}

/**
 * The seed as text. JSON numbers above 2^53 lose digits in JavaScript, so a
 * large seed is read back from the command line the server wrote.
 */
function seedText(s) {
  if (typeof s.seed === 'number' && !Number.isSafeInteger(s.seed)) {
    const m = /--seed (\d+)/.exec(s.command || '');
    if (m) return m[1];
  }
  return s.seed ?? '';
}

/** Nothing has run yet: a pending change applies at once by a reset. */
async function applyFresh() {
  if (st.tick === 0 && !st.running) await control('reset');
}

/** The run's schedule (changes made during it), as "month N: key = value". */
function showSchedule(s) {
  const entries = (s && s.schedule) || [];
  ui.schedule.hidden = entries.length === 0;
  ui.scheduleList.replaceChildren(
    ...entries.map((e) => {
      const m = /^(\d+):([^=]+)=(.*)$/.exec(e);
      return h('li', { 'data-entry': e }, m ? `month ${m[1]}: ${m[2]} = ${m[3]}` : e);
    }),
  );
}

function onSessionValues(s) {
  if (st.panel) st.panel.setValues(s.values);
  showSchedule(s);
  if (document.activeElement !== ui.seed) ui.seed.value = seedText(s);
  ui.preset.value = s.preset || '';
  showCommand(s);
  updateButtons();
}

/**
 * The command line of the run on screen and, when parameters are pending,
 * the one after Reset. PROTOCOL.md has only `command`; the server also sends
 * `run_command` (the current run) and then `command` includes pending changes.
 */
function showCommand(s) {
  const current = s.run_command || s.command || '';
  const next = s.command || '';
  ui.command.textContent = current;
  ui.commandNext.textContent = next;
  ui.commandNextRow.hidden = !next || next === current;
}

async function postParams(body) {
  if (!st.session) return null;
  const gen = st.generation;
  const r = await api('POST', `/api/sessions/${st.session.id}/params`, body);
  if (gen !== st.generation) return null;
  if (r.ok && r.body) st.session = { ...st.session, ...r.body };
  return r;
}

async function control(action, extra = {}) {
  if (!st.session) return null;
  const gen = st.generation;
  const r = await api('POST', `/api/sessions/${st.session.id}/control`, { action, ...extra });
  if (gen !== st.generation) return null;
  if (!r.ok) {
    setStatus(`${action} failed: ${errorMessage(r)}`);
    return r;
  }
  applyState(r.body);
  if (action === 'reset') {
    // After a reset nothing should be pending; follow the server's word anyway.
    const pending = (r.body && r.body.pending) || {};
    const flat = { ...pending, ...(pending.set && typeof pending.set === 'object' ? pending.set : {}) };
    delete flat.set;
    if (st.panel) st.panel.setPending(Object.keys(flat).filter((k) => k !== 'seed' && k !== 'preset'));
    st.pendingOther.clear();
    for (const k of ['seed', 'preset']) if (k in flat) st.pendingOther.add(k);
    markOtherPending();
    if (r.body) onSessionValues(r.body);
  }
  updateButtons();
  return r;
}

/** Shows an `error` frame of the stream (PROTOCOL.md) in the banner. */
function showError(msg) {
  const text = msg.message || 'the session stopped';
  const title = msg.kind === 'panic' ? 'The model failed' : msg.kind === 'budget' ? 'Memory budget reached' : 'Server message';
  if (msg.kind === 'message') {
    setStatus(text);
    return;
  }
  st.running = false;
  showBanner(`${title}: ${text}`, { label: 'Reset', run: () => { hideBanner(); control('reset'); } });
  setStatus(title.toLowerCase());
  updateButtons();
}

function applyState(s) {
  if (!s) return;
  if (typeof s.tick === 'number') st.tick = s.tick;
  if (typeof s.running === 'boolean') st.running = s.running;
  if (typeof s.done === 'boolean') st.done = s.done;
  if (typeof s.ticks_total === 'number') st.ticksTotal = s.ticks_total;
  if (typeof s.speed === 'number') {
    st.speed = s.speed;
    selectSpeed(s.speed);
  }
  if (s.command) showCommand(s);
  st.statusDirty = true;
  updateButtons();
}

function selectSpeed(speed) {
  if (![...ui.speed.options].some((o) => Number(o.value) === speed)) {
    ui.speed.append(h('option', { value: speed }, `${speed} ticks/s`));
  }
  ui.speed.value = String(speed);
}

function connect(s, gen) {
  setStatus('connecting…');
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/api/sessions/${s.id}/ws`);
  ws.binaryType = 'arraybuffer';
  st.ws = ws;
  ws.onopen = async () => {
    if (gen !== st.generation) return;
    st.connected = true;
    enable(true);
    const r = await api('GET', `/api/sessions/${s.id}`);
    if (gen !== st.generation) return;
    if (r.ok) applyState(r.body);
    if (st.userSpeed !== null && st.userSpeed !== st.speed) await control('speed', { speed: st.userSpeed });
  };
  ws.onmessage = (ev) => {
    if (gen !== st.generation) return;
    if (typeof ev.data === 'string') {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      onMessage(msg);
    } else if (st.view && st.view.onBinary) {
      st.view.onBinary(ev.data);
    }
  };
  ws.onclose = () => {
    if (gen !== st.generation) return;
    st.connected = false;
    st.running = false;
    enable(false);
    setStatus('disconnected');
    showBanner('The connection to the server closed; this session has ended.', { label: 'New session', run: () => openSession(st.model.id) });
  };
}

function onMessage(msg) {
  switch (msg.type) {
    case 'init':
      st.tick = msg.tick || 0;
      if (typeof msg.ticks_total === 'number') st.ticksTotal = msg.ticks_total;
      st.done = st.ticksTotal > 0 && st.tick >= st.ticksTotal;
      if (st.view) st.view.onInit(msg);
      st.statusDirty = true;
      updateButtons();
      break;
    case 'tick':
      if (typeof msg.tick === 'number') st.tick = msg.tick;
      if (st.view) st.view.onTick(msg);
      applyState({ running: msg.running, done: msg.done });
      break;
    case 'state':
      applyState(msg);
      break;
    case 'error':
      // The session stopped (model failure, memory budget) or refused a message.
      showError(msg);
      break;
    default:
      break;
  }
}

// ---- rendering -----------------------------------------------------------------

// Load-adaptive throttling: the EMA of frame gaps says how busy the page is;
// the views stretch their redraw intervals by that factor (1 = 60 fps).
let lastFrame = 0;
let frameEma = 16.7;

function frame(now) {
  if (lastFrame) frameEma = 0.9 * frameEma + 0.1 * Math.min(1000, now - lastFrame);
  lastFrame = now;
  const load = Math.max(1, Math.min(8, frameEma / 16.7));
  if (st.view) st.view.render(now, load);
  if (st.shownTick !== st.tick || st.statusDirty) {
    ui.tick.textContent = `${st.model ? st.model.time_unit || 'tick' : 'tick'} ${st.tick} / ${st.ticksTotal}`;
    ui.tick.setAttribute('data-tick', String(st.tick));
    st.shownTick = st.tick;
  }
  if (st.statusDirty) {
    st.statusDirty = false;
    ui.status.textContent = statusText();
    ui.status.className = st.running ? 'running' : st.done ? 'done' : '';
  }
  requestAnimationFrame(frame);
}

function statusText() {
  if (!st.session || !st.connected) return st.message;
  if (st.running) return `running · ${st.speed === 0 ? 'max speed' : `${st.speed} ticks/s`}`;
  if (st.done) return 'done · Reset to run again';
  const msg = st.message && !/^(connecting|creating)/.test(st.message) ? ` · ${st.message}` : '';
  return `paused${msg}`;
}

// ---- wiring --------------------------------------------------------------------

function markOtherPending() {
  ui.seed.classList.toggle('pending', st.pendingOther.has('seed'));
  ui.preset.classList.toggle('pending', st.pendingOther.has('preset'));
  ui.seed.title = st.pendingOther.has('seed') ? 'seed pending until reset' : 'random seed; applies on Reset';
  updateButtons();
}

function wire() {
  ui.run.addEventListener('click', () => {
    setStatus('');
    control('run');
  });
  ui.pause.addEventListener('click', () => control('pause'));
  ui.step.addEventListener('click', () => {
    setStatus('');
    control('step', { steps: 1 });
  });
  ui.reset.addEventListener('click', () => {
    setStatus('');
    control('reset');
  });
  for (const s of SPEEDS) ui.speed.append(h('option', { value: s }, s === 0 ? 'max' : `${s} ticks/s`));
  ui.speed.addEventListener('change', () => {
    const speed = Number(ui.speed.value);
    st.userSpeed = speed;
    control('speed', { speed });
  });
  ui.model.addEventListener('change', () => openSession(ui.model.value));
  ui.seed.addEventListener('change', async () => {
    // Sent as a decimal string: the server reads any u64 exactly that way.
    const seed = ui.seed.value.trim();
    if (!/^\d+$/.test(seed) || BigInt(seed) > 18446744073709551615n) {
      setStatus('seed must be a whole number in [0, 2^64)');
      return;
    }
    const r = await postParams({ seed });
    if (!r) return;
    if (r.ok) {
      st.pendingOther.add('seed');
      markOtherPending();
      onSessionValues(r.body);
      if (st.tick === 0 && !st.running) await applyFresh();
      else setStatus('seed pending until reset');
    } else setStatus(errorMessage(r));
  });
  ui.preset.addEventListener('change', async () => {
    const preset = ui.preset.value || null;
    const r = await postParams({ preset });
    if (!r) return;
    if (r.ok) {
      st.pendingOther.add('preset');
      markOtherPending();
      onSessionValues(r.body);
      if (st.tick === 0 && !st.running) await applyFresh();
      else setStatus(`preset ${preset || 'none'} pending until reset`);
    } else setStatus(errorMessage(r));
  });
  ui.copy.addEventListener('click', async () => {
    const text = ui.command.textContent;
    try {
      await navigator.clipboard.writeText(text);
      ui.copy.textContent = 'Copied';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(ui.command);
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      ui.copy.textContent = 'Selected';
    }
    setTimeout(() => (ui.copy.textContent = 'Copy'), 1500);
  });
  window.addEventListener('pagehide', () => {
    if (st.session) {
      try {
        fetch(`/api/sessions/${st.session.id}`, { method: 'DELETE', keepalive: true });
      } catch {
        /* the closing socket frees it too */
      }
    }
  });
}

async function start() {
  wire();
  requestAnimationFrame(frame);
  setStatus('loading…');
  const r = await api('GET', '/api/meta');
  if (!r.ok || !r.body || !Array.isArray(r.body.models)) {
    showBanner(`Could not read /api/meta: ${errorMessage(r)}`, { label: 'Reload', run: () => location.reload() });
    setStatus('no metadata');
    return;
  }
  st.meta = r.body;
  ui.version.textContent = `kyoso ${st.meta.version || ''} · up to ${st.meta.max_sessions ?? '?'} sessions`;
  ui.model.replaceChildren(...st.meta.models.map((m) => h('option', { value: m.id, title: `kyoso ${m.id}` }, m.title)));
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('model');
  const first = st.meta.models.some((m) => m.id === fromHash) ? fromHash : st.meta.models[0].id;
  await openSession(first);
}

start();
