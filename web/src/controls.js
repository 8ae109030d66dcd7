// The parameters panel: one row per control of /api/meta (slider + number
// input, or a checkbox), plus a free-form `key=value` row. Every change is
// POSTed to /api/sessions/{id}/params; the answer marks the row pending
// (until reset) or shows the server's error beside it.
import { h } from './dom.js';
import { errorMessage } from './api.js';

export class ControlsPanel {
  /**
   * @param {HTMLElement} root
   * @param {object[]} controls  the model's controls from /api/meta
   * @param {(body: object) => Promise<{ok: boolean, status: number, body: any}>} post  POSTs to .../params
   * @param {(session: object) => void} onSession  called with the Session of a successful answer
   */
  constructor(root, controls, post, onSession, otherHint = {}) {
    this.otherHint = otherHint;
    this.root = root;
    this.controls = controls;
    this.post = post;
    this.onSession = onSession;
    this.rows = new Map();
    this.pending = new Set();
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
      const step = c.step || (c.kind === 'int' ? 1 : 'any');
      slider = h('input', { type: 'range', id, 'data-key': c.key, min: c.min, max: c.max, step, title: tip, 'aria-label': c.label });
      num = h('input', { type: 'number', 'data-num-key': c.key, min: c.min, max: c.max, step, title: tip, 'aria-label': `${c.label} (number)`, inputmode: c.kind === 'int' ? 'numeric' : 'decimal' });
      slider.value = c.default;
      num.value = c.default;
      slider.addEventListener('input', () => (num.value = slider.value));
      slider.addEventListener('change', () => this.send(c.key, Number(slider.value)));
      num.addEventListener('change', () => {
        const text = num.value.trim();
        const v = Number(text);
        if (text === '' || !Number.isFinite(v)) {
          this.showError(c.key, `${c.key}: not a number; allowed ${c.range}`);
          return;
        }
        if (v >= Number(c.min) && v <= Number(c.max)) slider.value = v;
        this.send(c.key, v);
      });
      inputs = h('div', { class: 'inputs' }, slider, num);
    }
    const el = h(
      'div',
      { class: 'ctl', 'data-row': c.key },
      h('div', { class: 'ctl-head' }, h('label', { for: id, title: tip }, c.label), info),
      inputs,
      h('div', { class: 'ctl-meta' }, h('code', { class: 'key' }, c.key), h('span', { class: 'range' }, c.range), pendingMark),
      meaning,
      err,
    );
    return { el, err, slider, num, box, control: c };
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
      if (r && r.ok) ok.textContent = `${key} = ${JSON.stringify(value)} pending until reset`;
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

  /** POSTs one value; updates the row. Returns the answer. */
  async send(key, value, fromOther = false) {
    const r = await this.post({ set: { [key]: value } });
    if (!r) return r;
    if (r.ok) {
      this.clearError(key);
      this.pending.add(key);
      this.markPending();
      if (r.body) this.onSession(r.body);
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
      if (row.slider && row.slider !== active) row.slider.value = v;
      if (row.num && row.num !== active) row.num.value = v;
    }
  }

  /** Replaces the set of pending keys (e.g. from the `pending` of a state). */
  setPending(keys) {
    this.pending = new Set(keys);
    this.markPending();
    if (!this.pending.size) this.other.ok.textContent = '';
  }

  markPending() {
    for (const [key, row] of this.rows) row.el.classList.toggle('pending', this.pending.has(key));
  }
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
