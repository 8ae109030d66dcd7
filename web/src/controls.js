// The parameters panel: one row per control of /api/meta (slider + number
// input, or a checkbox), plus a free-form `key=value` row. Every change is
// POSTed to /api/sessions/{id}/params. During a run (after the first month,
// before the last) a control that `applies: "now"` joins the run's schedule
// (`now: true`) and its row says from which month; otherwise the change is
// pending until reset (applied at once when nothing has run yet). An error
// from the server is shown beside the control.
import { h } from './dom.js';
import { errorMessage } from './api.js';

export class ControlsPanel {
  /**
   * @param {HTMLElement} root
   * @param {object[]} controls  the model's controls from /api/meta
   * @param {(body: object) => Promise<{ok: boolean, status: number, body: any}>} post  POSTs to .../params
   * @param {(session: object) => void} onSession  called with the Session of a successful answer
   */
  constructor(root, controls, post, onSession, otherHint = {}, timing = () => ({ live: false, fresh: false }), onFresh = () => {}) {
    this.otherHint = otherHint;
    /** () => {live, fresh}: live = a change can join the running schedule; fresh = nothing has run yet. */
    this.timing = timing;
    /** Called after a pending change when nothing has run yet (the page resets to apply it). */
    this.onFresh = onFresh;
    /** key → month from which a live change applies. */
    this.liveFrom = new Map();
    this.root = root;
    this.controls = controls;
    this.post = post;
    this.onSession = onSession;
    this.rows = new Map();
    this.pending = new Set();
    // Where some controls apply during a run, the others say they wait for a reset.
    this.anyNow = controls.some((c) => c.applies === 'now');
    const list = h('div', { class: 'ctl-list' });
    controls.forEach((c, i) => {
      const row = this.row(c, i);
      this.rows.set(c.key, row);
      list.append(row.el);
    });
    this.other = this.otherRow();
    root.replaceChildren(list, this.other.el);
  }

  row(c, i) {
    const id = `ctl-${i}`;
    const tip = `${c.meaning || c.label}${c.claim ? ` (claims ${c.claim})` : ''}`;
    const err = h('div', { class: 'error', role: 'alert', 'aria-live': 'polite' });
    const meaning = h('p', { class: 'meaning', hidden: true }, tip);
    const info = h('button', { type: 'button', class: 'info', title: tip, 'aria-label': `about ${c.label}` }, 'i');
    info.addEventListener('click', () => (meaning.hidden = !meaning.hidden));
    const pendingMark = h('span', { class: 'pending-mark' }, 'pending until reset');
    const liveMark = h('span', { class: 'live-mark' });
    const resetOnly = this.anyNow && c.applies !== 'now' ? h('span', { class: 'reset-only', title: 'a run keeps this value from its first month; a change applies on Reset' }, 'at reset') : null;
    let inputs;
    let slider = null;
    let num = null;
    let box = null;
    if (c.kind === 'bool') {
      box = h('input', { type: 'checkbox', id, 'data-key': c.key, title: tip });
      box.checked = !!c.default;
      box.addEventListener('change', () => this.send(c.key, box.checked));
      inputs = h('div', { class: 'inputs' }, box, h('label', { for: id, class: 'bool-label' }, box.checked ? 'on' : 'off'));
    } else {
      const scale = sliderScale(c);
      const step = c.step || (c.kind === 'int' ? 1 : 'any');
      slider = h('input', { type: 'range', id, 'data-key': c.key, 'data-scale': scale.name, min: scale.min, max: scale.max, step: scale.step, title: tip, 'aria-label': c.label });
      // The number input takes the whole allowed range (the server checks it); the slider spans the plausible one.
      num = h('input', { type: 'number', 'data-num-key': c.key, step, title: `${tip}; allowed ${c.range}`, 'aria-label': `${c.label} (number)`, inputmode: c.kind === 'int' ? 'numeric' : 'decimal' });
      slider.value = scale.toSlider(Number(c.default));
      num.value = c.default;
      slider.addEventListener('input', () => (num.value = scale.fromSlider(Number(slider.value))));
      slider.addEventListener('change', () => this.send(c.key, scale.fromSlider(Number(slider.value))));
      num.addEventListener('change', () => {
        const text = num.value.trim();
        const v = Number(text);
        if (text === '' || !Number.isFinite(v)) {
          this.showError(c.key, `${c.key}: not a number; allowed ${c.range}`);
          return;
        }
        slider.value = scale.toSlider(v);
        this.send(c.key, v);
      });
      inputs = h('div', { class: 'inputs' }, slider, num);
    }
    const el = h(
      'div',
      { class: 'ctl', 'data-row': c.key },
      h('div', { class: 'ctl-head' }, h('label', { for: id, title: tip }, c.label), info),
      inputs,
      h('div', { class: 'ctl-meta' }, h('code', { class: 'key' }, c.key), h('span', { class: 'range', title: 'allowed range (type any value in it)' }, c.range), resetOnly, pendingMark, liveMark),
      meaning,
      err,
    );
    return { el, err, slider, num, box, liveMark, control: c, scale: slider ? sliderScale(c) : null };
  }

  otherRow() {
    const input = h('input', { type: 'text', id: 'other-param', placeholder: this.otherHint.placeholder || 'key=value', spellcheck: 'false', autocomplete: 'off', 'aria-label': 'other parameter' });
    const err = h('div', { class: 'error', role: 'alert', 'aria-live': 'polite' });
    const ok = h('div', { class: 'ok' });
    const submit = async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      const eq = text.indexOf('=');
      err.textContent = '';
      ok.textContent = '';
      el.classList.remove('invalid');
      if (eq <= 0) {
        err.textContent = `"${text}": write key=value`;
        el.classList.add('invalid');
        return;
      }
      const key = text.slice(0, eq).trim();
      const value = parseValue(text.slice(eq + 1).trim());
      const r = await this.send(key, value, true);
      if (r && r.ok) ok.textContent = `${key} = ${JSON.stringify(value)} ${r.from != null ? `from month ${r.from}` : 'pending until reset'}`;
      else if (r) {
        err.textContent = errorMessage(r);
        el.classList.add('invalid');
      }
    };
    const el = h(
      'form',
      { class: 'ctl other', id: 'other-form', onsubmit: submit },
      h('div', { class: 'ctl-head' }, h('label', { for: 'other-param' }, 'Other parameter'), this.otherHint.hint ? h('span', { class: 'hint' }, this.otherHint.hint) : null),
      h('div', { class: 'inputs' }, input, h('button', { type: 'submit' }, 'Set')),
      ok,
      err,
    );
    return { el, err, ok, input };
  }

  /**
   * POSTs one value; updates the row. Returns the answer, with `from` (the
   * month it applies from) when it joined the running schedule.
   */
  async send(key, value, fromOther = false) {
    const { live, fresh } = this.timing();
    const row = this.rows.get(key);
    // The free-form row does not know whether its key can change mid-run: it tries, and a 409 means "at reset".
    const now = live && (row ? row.control.applies === 'now' : fromOther);
    let r = await this.post(now ? { set: { [key]: value }, now: true } : { set: { [key]: value } });
    let joined = now;
    if (r && now && !row && r.status === 409) {
      r = await this.post({ set: { [key]: value } });
      joined = false;
    }
    if (!r) return r;
    if (r.ok) {
      this.clearError(key);
      if (joined) {
        const from = scheduledFrom(r.body && r.body.schedule, key);
        r.from = from;
        this.liveFrom.set(key, from);
        this.pending.delete(key);
      } else {
        this.pending.add(key);
        this.liveFrom.delete(key);
      }
      this.markPending();
      if (r.body) this.onSession(r.body);
      if (!joined && fresh) this.onFresh();
    } else {
      const shown = this.showError((r.body && r.body.error && r.body.error.key) || key, errorMessage(r));
      if (!shown && !fromOther) {
        this.other.err.textContent = errorMessage(r);
        this.other.el.classList.add('invalid');
      }
    }
    return r;
  }

  showError(key, message) {
    const row = this.rows.get(key);
    if (!row) return false;
    row.err.textContent = message;
    row.el.classList.add('invalid');
    row.el.setAttribute('aria-invalid', 'true');
    return true;
  }

  clearError(key) {
    const row = this.rows.get(key);
    if (!row) return;
    row.err.textContent = '';
    row.el.classList.remove('invalid');
    row.el.removeAttribute('aria-invalid');
  }

  /** Shows the values of a Session (skipping the element being edited). */
  setValues(values) {
    if (!values) return;
    const active = document.activeElement;
    for (const [key, row] of this.rows) {
      if (!(key in values)) continue;
      const v = values[key];
      if (row.box && row.box !== active) {
        row.box.checked = !!v;
        row.box.nextElementSibling.textContent = v ? 'on' : 'off';
      }
      if (row.el.classList.contains('invalid')) continue;
      if (row.slider && row.slider !== active) row.slider.value = row.scale.toSlider(Number(v));
      if (row.num && row.num !== active) row.num.value = v;
    }
  }

  /** Replaces the set of pending keys (e.g. from the `pending` of a state); a reset also ends the live marks. */
  setPending(keys) {
    this.pending = new Set(keys);
    this.liveFrom.clear();
    this.markPending();
    if (!this.pending.size) this.other.ok.textContent = '';
  }

  markPending() {
    for (const [key, row] of this.rows) {
      row.el.classList.toggle('pending', this.pending.has(key));
      const from = this.liveFrom.get(key);
      row.el.classList.toggle('live', from != null);
      row.liveMark.textContent = from != null ? `applied from month ${from}` : '';
    }
  }
}

/** The month of the last schedule entry ("TICK:key=value") for `key`. */
export function scheduledFrom(schedule, key) {
  let from = null;
  for (const e of schedule || []) {
    const m = /^(\d+):([^=]+)=/.exec(e);
    if (m && m[2] === key) from = Number(m[1]);
  }
  return from;
}

/**
 * The slider's mapping: linear over [min, max] in `step`s, or (`scale:
 * "log"`) 1,000 positions spread evenly over log10(min)..log10(max), the
 * value rounded to 3 significant digits.
 */
export function sliderScale(c) {
  const min = Number(c.min);
  const max = Number(c.max);
  if (c.scale === 'log' && min > 0 && max > min) {
    const a = Math.log10(min);
    const b = Math.log10(max);
    const N = 1000;
    return {
      name: 'log',
      min: 0,
      max: N,
      step: 1,
      fromSlider: (p) => Number((10 ** (a + ((b - a) * p) / N)).toPrecision(3)),
      toSlider: (v) => (v > 0 ? Math.max(0, Math.min(N, Math.round(((Math.log10(v) - a) / (b - a)) * N))) : 0),
    };
  }
  const step = c.step || (c.kind === 'int' ? 1 : 'any');
  const digits = typeof step === 'number' ? Math.max(0, -Math.floor(Math.log10(step)) + 1) : 6;
  return {
    name: 'linear',
    min,
    max,
    step,
    fromSlider: (p) => (c.kind === 'int' ? Math.round(p) : Number(p.toFixed(Math.min(digits, 12)))),
    toSlider: (v) => Math.max(min, Math.min(max, v)),
  };
}

/** `0.5` → 0.5, `true` → true, `"x"`/x → "x". */
export function parseValue(text) {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text !== '' && Number.isFinite(Number(text))) return Number(text);
  if (/^".*"$/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      /* fall through */
    }
  }
  return text;
}
