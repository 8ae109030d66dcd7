#!/usr/bin/env node
// A throwaway stand-in for `kyoso serve`, following crates/kyoso-serve/PROTOCOL.md,
// for developing the page without the Rust server. The numbers are fake
// (random walks seeded by the session's seed); the shapes of every message are
// the protocol's. Usage: node tests/mock-server.mjs serve --no-open --port 0
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const assets = path.resolve(here, '../../crates/kyoso-serve/assets');
const argv = process.argv.slice(2);
const portArg = argv.indexOf('--port');
const port = portArg >= 0 ? Number(argv[portArg + 1]) : 0;
const maxArg = argv.indexOf('--max-sessions');
const maxSessions = maxArg >= 0 ? Number(argv[maxArg + 1]) : 8;

const unit = (key, label, def, meaning, claim) => ({
  key, label, kind: 'number', min: 0, max: 1, step: 0.01, default: def, range: '[0, 1]', meaning, claim, applies: 'reset',
});
const MODELS = [
  {
    id: 'silent-rivalry', title: 'Silent rivalry market', view: 'market',
    presets: [
      { name: 'china', description: 'large, fast-growing market' },
      { name: 'southeast-asia', description: 'several mid-sized markets' },
      { name: 'us-west-coast', description: 'mature, technology-driven market' },
    ],
    controls: [
      unit('encounters.detect', 'Detection of withholding', 0.3, 'p_detect, chance that withholding is noticed', 'C3, C10'),
      unit('encounters.homophily', 'Homophily of encounters', 0.6, 'chance an encounter is with a fellow national', 'C1'),
      { key: 'encounters.per_tick', label: 'Encounters per tick', kind: 'int', min: 0, max: 1000, step: 1, default: 20, range: '[0, 1000]', meaning: 'encounters per firm and month', claim: 'C2', applies: 'reset' },
      { key: 'mechanisms.veneer', label: 'Polite veneer', kind: 'bool', min: 0, max: 1, step: 1, default: true, range: 'true or false', meaning: 'withholding hides behind politeness', claim: 'C3', applies: 'reset' },
      { key: 'market.firms', label: 'Initial firms', kind: 'int', min: 2, max: 5000, step: 1, default: 60, range: '[2, 5000]', meaning: 'firms at tick 0', claim: 'C8', applies: 'reset' },
    ],
  },
  {
    id: 'spatial-pd', title: "Spatial prisoner's dilemma (Nowak & May 1992)", view: 'lattice', presets: [],
    controls: [
      { key: 'b', label: 'Temptation b', kind: 'number', min: 1, max: 3, step: 0.01, default: 1.85, range: '[1, 3]', meaning: "payoff to D meeting C", claim: 'baseline', applies: 'reset' },
      { key: 'size', label: 'Lattice side', kind: 'int', min: 3, max: 400, step: 1, default: 100, range: '[3, 400]', meaning: 'side of the torus', claim: 'baseline', applies: 'reset' },
      unit('defectors', 'Initial defectors', 0.1, 'probability a cell starts as a defector', 'baseline'),
    ],
  },
  {
    id: 'ethnocentrism', title: 'Ethnocentrism (Hammond & Axelrod 2006)', view: 'lattice', presets: [],
    controls: [
      { key: 'size', label: 'Lattice side', kind: 'int', min: 3, max: 400, step: 1, default: 50, range: '[3, 400]', meaning: 'side of the torus', claim: 'baseline', applies: 'reset' },
      unit('death', 'Death rate', 0.1, 'probability an agent dies each period', 'baseline'),
    ],
  },
];
const ORIGINS = ['JP', 'LOCAL', 'OTHER'];
const STRATEGIES = ['naive_ingroup', 'calibrated', 'reciprocal', 'opportunist', 'guarded', 'open'];
const CAUSES = ['friction', 'betrayal', 'exit'];
const ETHNO = ['ethnocentric', 'altruist', 'cosmopolitan', 'egoist'];

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sessions = new Map();
const mixc = (c, to, t) => c.map((v) => Math.round(v * (1 - t) + to * t));

function sessionJson(s) {
  const set = Object.entries(s.values).filter(([k, v]) => MODELS.find((m) => m.id === s.model).controls.find((c) => c.key === k).default !== v);
  const cmd = s.model === 'silent-rivalry' ? 'kyoso run' : `kyoso ${s.model}`;
  return {
    id: s.id, model: s.model, preset: s.preset, seed: s.seed, values: { ...s.values }, ticks_total: s.ticksTotal,
    command: [cmd, s.preset ? `--preset ${s.preset}` : '', `--seed ${s.seed}`, ...set.map(([k, v]) => `--set ${k}=${v}`)].filter(Boolean).join(' '),
  };
}
function stateJson(s) {
  // As the real server: `pending` is a boolean (PROTOCOL.md shows an object).
  return { ...sessionJson(s), tick: s.sim.tick, running: s.running, done: s.sim.tick >= s.ticksTotal, speed: s.speed, pending: Object.keys(s.pending).length > 0 };
}
function err(res, status, message, extra = {}) {
  send(res, status, { error: { message, ...extra } });
}
function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
function validate(model, set) {
  for (const [key, value] of Object.entries(set)) {
    const c = model.controls.find((x) => x.key === key);
    if (!c) return { message: `--set ${key}=${value}: unknown key \`${key}\``, key };
    if (c.kind === 'bool' ? typeof value !== 'boolean' : typeof value !== 'number' || !(value >= c.min && value <= c.max) || (c.kind === 'int' && !Number.isInteger(value))) {
      return { message: `invalid scenario:\n  - ${key} = ${value}: allowed ${c.range}`, key, value: String(value), range: c.range };
    }
  }
  return null;
}

// ---- simulations ---------------------------------------------------------------
function marketSim(s) {
  const r = rng(s.seed * 7919 + 1);
  const v = s.values;
  const sim = { tick: 0, firms: new Map(), edges: new Set(), nextId: 0, r, gap: 0.2 - 0.15 * v['encounters.detect'], cap: 1, dissolved: [0, 0, 0], outside: 0.2 };
  for (let i = 0; i < v['market.firms']; i++) addFirm(sim);
  normalise(sim);
  for (let i = 0; i < sim.firms.size / 3; i++) randomEdge(sim);
  sim.history = [];
  sim.init = () => ({
    type: 'init', model: 'silent-rivalry', tick: sim.tick, ticks_total: s.ticksTotal, seed: s.seed, origins: ORIGINS,
    origin_colors: ['#d62728', '#1f77b4', '#7f7f7f'], strategies: STRATEGIES, causes: CAUSES,
    firms: [...sim.firms.values()].map((f) => [f.id, f.origin, f.strategy, f.segment, f.share]),
    edges: [...sim.edges].map((e) => e.split('-').map((x, i) => (i < 2 ? Number(x) : x))), history: sim.history, events: [],
  });
  sim.step = () => {
    const d = { firms: { add: [], del: [], upd: [] }, edges: { add: [], del: [] }, events: [] };
    const t = sim.tick;
    sim.tick++;
    for (const f of [...sim.firms.values()]) {
      if (r() < 0.01) {
        sim.firms.delete(f.id);
        d.firms.del.push(f.id);
        d.events.push({ tick: t, kind: 'exit', firm: f.id, other: null, detail: null, value: null });
        for (const e of [...sim.edges]) {
          const [a, b, k] = e.split('-');
          if (Number(a) === f.id || Number(b) === f.id) {
            sim.edges.delete(e);
            if (k === 'p') sim.dissolved[2]++;
          }
        }
      } else {
        f.w *= Math.exp((r() - 0.5) * 0.2);
        if (r() < 0.02) {
          f.strategy = Math.floor(r() * STRATEGIES.length);
          d.events.push({ tick: t, kind: 'strategy_switch', firm: f.id, other: null, detail: STRATEGIES[f.strategy], value: null });
        }
      }
    }
    if (r() < 0.5) {
      const f = addFirm(sim);
      d.firms.add.push([f.id, f.origin, f.strategy, f.segment, 0]);
      d.events.push({ tick: t, kind: 'entry', firm: f.id, other: null, detail: ORIGINS[f.origin], value: null });
    }
    normalise(sim);
    for (const f of sim.firms.values()) d.firms.upd.push([f.id, f.strategy, f.share]);
    for (const a of d.firms.add) a[4] = sim.firms.get(a[0]).share;
    if (r() < 0.6) {
      const e = randomEdge(sim);
      if (e) {
        d.edges.add.push(e);
        if (e[2] === 'p') d.events.push({ tick: t, kind: 'partnership_formed', firm: e[0], other: e[1], detail: null, value: null });
      }
    }
    if (r() < 0.3 && sim.edges.size) {
      const all = [...sim.edges];
      const e = all[Math.floor(r() * all.length)];
      sim.edges.delete(e);
      const [a, b, k] = e.split('-');
      d.edges.del.push([Number(a), Number(b), k]);
      if (k === 'p') {
        const c = r() < 0.6 ? 0 : 1;
        sim.dissolved[c]++;
        d.events.push({ tick: t, kind: 'partnership_dissolved', firm: Number(a), other: Number(b), detail: CAUSES[c], value: null });
        if (c === 1) d.events.push({ tick: t, kind: 'betrayal_detected', firm: Number(b), other: Number(a), detail: null, value: null });
      }
    }
    sim.gap = sim.gap * 0.95 + 0.05 * (0.25 - 0.25 * v['encounters.detect']) + (r() - 0.5) * 0.02;
    sim.cap *= 1.002 + r() * 0.004;
    sim.outside = Math.min(0.5, Math.max(0.05, sim.outside + (r() - 0.5) * 0.01));
    return { rows: [marketRow(sim)], ...d };
  };
  return sim;
}
function addFirm(sim) {
  const f = { id: sim.nextId++, origin: Math.floor(sim.r() * 3), strategy: Math.floor(sim.r() * STRATEGIES.length), segment: Math.floor(sim.r() * 3), w: 0.2 + sim.r(), share: 0 };
  sim.firms.set(f.id, f);
  return f;
}
function normalise(sim) {
  let total = 0;
  for (const f of sim.firms.values()) total += f.w;
  for (const f of sim.firms.values()) f.share = Math.round(((1 - sim.outside) * f.w) / total * 1e5) / 1e5;
}
function randomEdge(sim) {
  const ids = [...sim.firms.keys()];
  if (ids.length < 2) return null;
  let a = ids[Math.floor(sim.r() * ids.length)];
  let b = ids[Math.floor(sim.r() * ids.length)];
  if (a === b) return null;
  if (a > b) [a, b] = [b, a];
  const k = sim.r() < 0.5 ? 'p' : 't';
  const key = `${a}-${b}-${k}`;
  if (sim.edges.has(key)) return null;
  sim.edges.add(key);
  return [a, b, k];
}
function marketRow(sim) {
  const m = {};
  const byOrigin = [0, 0, 0];
  const byStrategy = STRATEGIES.map(() => 0);
  for (const f of sim.firms.values()) {
    byOrigin[f.origin] += f.share;
    byStrategy[f.strategy]++;
  }
  ORIGINS.forEach((o, i) => (m[`market_share|origin|${o}`] = byOrigin[i]));
  m['market_share|outside|outside'] = sim.outside;
  m['expectation_gap|all|all'] = sim.gap;
  m['capability_mean|all|all'] = sim.cap;
  STRATEGIES.forEach((st, i) => (m[`firms_alive|strategy|${st}`] = byStrategy[i]));
  m['firms_alive|all|all'] = sim.firms.size;
  m['partnerships_active|all|all'] = [...sim.edges].filter((e) => e.endsWith('p')).length;
  CAUSES.forEach((c, i) => (m[`partnerships_dissolved|cause|${c}`] = sim.dissolved[i]));
  sim.dissolved = [0, 0, 0];
  return { tick: sim.tick - 1, m };
}

function latticeSim(s) {
  const r = rng(s.seed * 104729 + 3);
  const spd = s.model === 'spatial-pd';
  const n = s.values.size;
  const cells = new Uint8Array(n * n);
  const sim = { tick: 0, n };
  let strat = new Uint8Array(n * n); // spatial-pd: 1 = D
  if (spd) {
    for (let i = 0; i < n * n; i++) strat[i] = r() < s.values.defectors ? 1 : 0;
    for (let i = 0; i < n * n; i++) cells[i] = strat[i] ? 1 : 0;
  } else {
    for (let i = 0; i < n * n; i++) cells[i] = r() < 0.3 ? 1 + Math.floor(r() * 4) * 4 + Math.floor(r() * 4) : 0;
  }
  const row = () => {
    const m = {};
    if (spd) {
      let c = 0;
      for (let i = 0; i < n * n; i++) c += strat[i] ? 0 : 1;
      m['cooperators|all|all'] = c / (n * n);
    } else {
      const cnt = [0, 0, 0, 0];
      let total = 0;
      for (let i = 0; i < n * n; i++) if (cells[i]) { cnt[(cells[i] - 1) % 4]++; total++; }
      ETHNO.forEach((e, i) => (m[`share|strategy|${e}`] = total ? cnt[i] / total : 0));
      m['cooperation|all|all'] = total ? (cnt[0] * 0.7 + cnt[1] + cnt[2] * 0.3) / total : 0;
    }
    return { tick: sim.tick - 1, m };
  };
  sim.history = [];
  sim.init = () => ({
    type: 'init', model: s.model, tick: sim.tick, ticks_total: s.ticksTotal, seed: s.seed, width: n, height: n,
    palette: spd ? [[0, 0, 255], [255, 0, 0], [255, 255, 0], [0, 255, 0]]
      : [[255, 255, 255], ...[[228, 26, 28], [55, 126, 184], [77, 175, 74], [152, 78, 163]].flatMap((c) => [c, mixc(c, 255, 0.45), mixc(c, 255, 0.75), mixc(c, 0, 0.5)])],
    legend: spd ? ['C → C', 'D → D', 'C → D', 'D → C'] : ['empty', ...[0, 1, 2, 3].flatMap((t) => ETHNO.map((e) => `tag ${t} ${e}`))],
    series: spd ? ['cooperators|all|all'] : [...ETHNO.map((e) => `share|strategy|${e}`), 'cooperation|all|all'], history: sim.history,
  });
  sim.full = () => {
    const buf = Buffer.alloc(5 + n * n);
    buf[0] = 1;
    buf.writeUInt32LE(sim.tick, 1);
    Buffer.from(cells.buffer).copy(buf, 5);
    return buf;
  };
  const b = s.values.b ?? 1.85;
  sim.step = () => {
    sim.tick++;
    const changed = [];
    if (spd) {
      const score = new Float64Array(n * n);
      const at = (x, y) => ((y + n) % n) * n + ((x + n) % n);
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
        let sc = 0;
        const me = strat[y * n + x];
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
          const o = strat[at(x + dx, y + dy)];
          sc += me ? (o ? 0 : b) : o ? 0 : 1;
        }
        score[y * n + x] = sc;
      }
      const next = new Uint8Array(n * n);
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
        let best = y * n + x;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (score[at(x + dx, y + dy)] > score[best]) best = at(x + dx, y + dy);
        next[y * n + x] = strat[best];
      }
      for (let i = 0; i < n * n; i++) {
        const c = strat[i] === 0 ? (next[i] === 0 ? 0 : 2) : next[i] === 1 ? 1 : 3;
        if (c !== cells[i]) { cells[i] = c; changed.push(i); }
      }
      strat = next;
    } else {
      for (let k = 0; k < n * n * 0.1; k++) {
        const i = Math.floor(r() * n * n);
        const old = cells[i];
        cells[i] = r() < 0.4 ? 0 : old || 1 + Math.floor(r() * 16);
        if (cells[i] !== old) changed.push(i);
      }
    }
    const buf = Buffer.alloc(9 + changed.length * 5);
    buf[0] = 2;
    buf.writeUInt32LE(sim.tick, 1);
    buf.writeUInt32LE(changed.length, 5);
    changed.forEach((c, j) => { buf.writeUInt32LE(c, 9 + 4 * j); buf[9 + 4 * changed.length + j] = cells[c]; });
    return { rows: [row()], binary: buf };
  };
  return sim;
}

function build(s) {
  const model = MODELS.find((m) => m.id === s.model);
  s.sim = model.view === 'market' ? marketSim(s) : latticeSim(s);
}

function broadcast(s, msg) {
  if (!s.ws || s.ws.readyState !== 1) return;
  s.ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
}
function sendInit(s) {
  broadcast(s, s.sim.init());
  if (s.sim.full) broadcast(s, s.sim.full());
}
function stateMsg(s) {
  return { type: 'state', tick: s.sim.tick, running: s.running, done: s.sim.tick >= s.ticksTotal, speed: s.speed };
}
function doTicks(s, k) {
  const frame = { type: 'tick', rows: [], firms: { add: [], del: [], upd: [] }, edges: { add: [], del: [] }, events: [] };
  for (let i = 0; i < k && s.sim.tick < s.ticksTotal; i++) {
    const d = s.sim.step();
    frame.rows.push(...d.rows);
    if (d.binary) broadcast(s, d.binary);
    if (d.firms) {
      frame.firms.add.push(...d.firms.add); frame.firms.del.push(...d.firms.del); frame.firms.upd.push(...d.firms.upd);
      frame.edges.add.push(...d.edges.add); frame.edges.del.push(...d.edges.del); frame.events.push(...d.events);
    }
  }
  const done = s.sim.tick >= s.ticksTotal;
  if (done) s.running = false;
  frame.tick = s.sim.tick;
  frame.running = s.running;
  frame.done = done;
  if (s.model !== 'silent-rivalry') { delete frame.firms; delete frame.edges; delete frame.events; }
  broadcast(s, frame);
}
function schedule(s) {
  clearTimeout(s.timer);
  if (!s.running) return;
  const perFrame = s.speed === 0 ? 5 : Math.max(1, Math.round(s.speed / 60));
  const interval = s.speed === 0 ? 1000 / 60 : Math.max(1000 / 60, (1000 * perFrame) / s.speed);
  s.timer = setTimeout(() => {
    doTicks(s, perFrame);
    if (s.running) schedule(s); else broadcast(s, stateMsg(s));
  }, interval);
}

async function body(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  if (!data) return {};
  return JSON.parse(data);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  try {
    if (req.method === 'GET' && (p === '/' || p.startsWith('/assets/'))) {
      const file = p === '/' ? 'index.html' : p.slice('/assets/'.length);
      const type = { html: 'text/html; charset=utf-8', js: 'text/javascript', css: 'text/css' }[file.split('.').pop()];
      if (!['index.html', 'app.js', 'app.css'].includes(file)) return err(res, 404, 'not found');
      res.writeHead(200, { 'content-type': type });
      return res.end(fs.readFileSync(path.join(assets, file)));
    }
    if (req.method === 'GET' && p === '/api/meta') {
      return send(res, 200, { version: '0.1.0-mock', max_sessions: maxSessions, active_sessions: sessions.size, models: MODELS });
    }
    if (req.method === 'POST' && p === '/api/sessions') {
      const b = await body(req);
      const model = MODELS.find((m) => m.id === b.model);
      if (!model) return err(res, 404, `unknown model \`${b.model}\``);
      if (sessions.size >= maxSessions) {
        return err(res, 503, `${sessions.size} sessions are running, the most this server allows; close a tab or start the server with a larger --max-sessions`);
      }
      const values = Object.fromEntries(model.controls.map((c) => [c.key, c.default]));
      const e = validate(model, b.set || {});
      if (e) return err(res, 400, e.message, e);
      Object.assign(values, b.set || {});
      const s = { id: randomUUID(), model: model.id, preset: b.preset ?? null, seed: b.seed ?? 42, values, pending: {}, ticksTotal: Number(process.env.MOCK_TICKS) || (model.view === 'market' ? 120 : 200), running: false, speed: 30 };
      build(s);
      sessions.set(s.id, s);
      s.orphan = setTimeout(() => { if (!s.ws) sessions.delete(s.id); }, 30000);
      return send(res, 201, sessionJson(s));
    }
    const m = p.match(/^\/api\/sessions\/([^/]+)(\/[a-z]+)?$/);
    if (m) {
      const s = sessions.get(m[1]);
      if (!s) return err(res, 404, `unknown session ${m[1]}`);
      const model = MODELS.find((x) => x.id === s.model);
      const sub = m[2] || '';
      if (req.method === 'GET' && sub === '') return send(res, 200, stateJson(s));
      if (req.method === 'DELETE' && sub === '') {
        clearTimeout(s.timer);
        sessions.delete(s.id);
        if (s.ws) s.ws.close();
        res.writeHead(204);
        return res.end();
      }
      if (req.method === 'POST' && sub === '/params') {
        const b = await body(req);
        const e = validate(model, b.set || {});
        if (e) return err(res, 400, e.message, e);
        Object.assign(s.pending, b.set || {});
        if ('seed' in b) s.pending.seed = b.seed;
        if ('preset' in b) s.pending.preset = b.preset;
        const view = { ...s, values: { ...s.values, ...(b.set || {}) } };
        s.nextValues = view.values;
        if ('seed' in b) s.nextSeed = b.seed;
        if ('preset' in b) s.nextPreset = b.preset;
        return send(res, 200, sessionJson({ ...view, seed: s.nextSeed ?? s.seed, preset: 'nextPreset' in s ? s.nextPreset : s.preset }));
      }
      if (req.method === 'POST' && sub === '/control') {
        const b = await body(req);
        if (b.action === 'run') { if (s.sim.tick < s.ticksTotal) { s.running = true; schedule(s); } }
        else if (b.action === 'pause') { s.running = false; schedule(s); }
        else if (b.action === 'step') { s.running = false; schedule(s); doTicks(s, b.steps ?? 1); }
        else if (b.action === 'speed') { s.speed = b.speed; schedule(s); }
        else if (b.action === 'reset') {
          s.running = false;
          clearTimeout(s.timer);
          if (s.nextValues) s.values = s.nextValues;
          if ('nextSeed' in s) s.seed = s.nextSeed;
          if ('nextPreset' in s) s.preset = s.nextPreset;
          delete s.nextValues; delete s.nextSeed; delete s.nextPreset;
          s.pending = {};
          build(s);
          sendInit(s);
        } else return err(res, 400, `unknown action \`${b.action}\``);
        broadcast(s, stateMsg(s));
        return send(res, 200, stateJson(s));
      }
      if (req.method === 'GET' && sub === '/download') {
        res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="kyoso-${s.model}-seed${s.seed}-tick${s.sim.tick}.zip"` });
        return res.end(Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'binary'));
      }
    }
    err(res, 404, `not found: ${p}`);
  } catch (e) {
    err(res, 400, String(e.message || e));
  }
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  const m = new URL(req.url, 'http://x').pathname.match(/^\/api\/sessions\/([^/]+)\/ws$/);
  const s = m && sessions.get(m[1]);
  if (!s) { socket.destroy(); return; }
  wss.handleUpgrade(req, socket, head, (ws) => {
    s.ws = ws;
    sendInit(s);
    ws.on('close', () => { clearTimeout(s.timer); sessions.delete(s.id); });
  });
});
server.listen(port, '127.0.0.1', () => {
  console.log(`kyoso serve listening on http://127.0.0.1:${server.address().port}/`);
});
