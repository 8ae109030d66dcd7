// The scrolling event log: newest on top, capped, rendered once per frame.
// Seen withholdings (many a month in a large market) fold into one row per
// month with their count; a click on it shows the individual rows.
import { h, pretty } from './dom.js';

const CAP = 500;
const FLUSH_EVERY_MS = 100;

export class EventLog {
  /** @param {HTMLElement} root  the #events container */
  constructor(root, unit = 'month') {
    this.root = root;
    this.tbody = h('tbody');
    this.root.replaceChildren(
      h('table', null, h('thead', null, h('tr', null, h('th', null, unit), h('th', null, 'event'), h('th', null, 'firms'), h('th', null, 'cause / detail'))), this.tbody),
    );
    this.queue = [];
    this.lastFlush = 0;
    this.firmOrigin = new Map();
    this.origins = [];
  }

  /** Starts over (on init). */
  reset(origins, events) {
    this.origins = origins || [];
    this.queue = [];
    this.tbody.replaceChildren();
    this.push(events || []);
  }

  /** Remembers the origin of a firm, to label events. */
  firm(id, origin) {
    this.firmOrigin.set(id, origin);
  }

  push(events) {
    if (!events || !events.length) return;
    for (const e of events) this.queue.push(e);
    if (this.queue.length > CAP) this.queue.splice(0, this.queue.length - CAP);
  }

  label(id) {
    if (id === null || id === undefined) return '';
    const o = this.firmOrigin.get(id);
    return o === undefined ? `#${id}` : `#${id} ${this.origins[o] ?? o}`;
  }

  /** "A ↔ B" for partnerships, "A, by B" for a betrayal (firm = victim), "A, seen by B" for a seen withholding, "A copies B" for a switch. */
  firms(e) {
    const a = this.label(e.firm);
    if (e.other === null || e.other === undefined) return a;
    const b = this.label(e.other);
    if (e.kind === 'betrayal_detected') return `${a}, by ${b}`;
    if (e.kind === 'withholding_detected') return `${a}, seen by ${b}`;
    if (e.kind === 'strategy_switch') return `${a} copies ${b}`;
    return `${a} ↔ ${b}`;
  }

  flush(now = performance.now(), load = 1) {
    if (!this.queue.length || now - this.lastFlush < FLUSH_EVERY_MS * load) return;
    this.lastFlush = now;
    const frag = document.createDocumentFragment();
    // Newest first: the queue is in arrival order; a month's seen withholdings become one group.
    const rows = [];
    let group = null;
    for (const e of this.queue) {
      if (e.kind === 'withholding_detected') {
        if (!group || group.tick !== e.tick) {
          group = { tick: e.tick, events: [], count: 0 };
          rows.push(group);
        }
        group.events.push(e);
        // The server lists a few and counts the rest in one entry (`count`).
        group.count += typeof e.count === 'number' ? e.count : 1;
      } else {
        rows.push(e);
        group = null;
      }
    }
    for (let i = rows.length - 1; i >= 0; i--) {
      const r = rows[i];
      if (r.events) frag.append(...this.groupRows(r));
      else frag.append(this.row(r));
    }
    this.queue = [];
    this.tbody.prepend(frag);
    const all = this.tbody.rows;
    for (let n = all.length; n > CAP; n--) this.tbody.lastElementChild.remove();
  }

  row(e, cls = '') {
    return h('tr', { class: `ev ev-${e.kind}${cls}` }, h('td', null, e.tick), h('td', { class: 'kind' }, pretty(e.kind)), h('td', null, this.firms(e)), h('td', null, describe(e)));
  }

  /** One summary row "N withholdings seen" and its members, hidden until the summary is clicked. */
  groupRows(g) {
    const members = g.events.map((e) => {
      const tr = this.row(e, ' ev-member');
      tr.hidden = true;
      return tr;
    });
    const toggle = h('button', { type: 'button', class: 'small link', 'aria-expanded': 'false', title: 'show the firms' }, 'show');
    const summary = h(
      'tr',
      { class: 'ev ev-withholding_detected ev-group', 'data-count': String(g.count) },
      h('td', null, g.tick),
      h('td', { class: 'kind' }, pretty('withholding_detected')),
      h('td', null, `${g.count} withholding${g.count === 1 ? '' : 's'} seen `, toggle),
      h('td', null, 'withheld news, seen by the partner'),
    );
    toggle.addEventListener('click', () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = open ? 'hide' : 'show';
      for (const m of members) m.hidden = !open;
    });
    return [summary, ...members];
  }
}

const num = (v, d = 2) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(d));

/** The detail column: cause or old → new strategy, and the value with its unit (docs/outputs.md). */
function describe(e) {
  let d = e.detail === null || e.detail === undefined ? '' : pretty(String(e.detail).replace('->', ' → '));
  const v = e.value;
  if (typeof v === 'number' && Number.isFinite(v)) {
    const unit = {
      exit: `cash ${num(v)}`,
      partnership_formed: `cultural distance ${num(v)}`,
      partnership_dissolved: `after ${num(v, 0)} months`,
      strategy_switch: `profit gap ${num(v)}`,
    }[e.kind];
    d += `${d ? ' · ' : ''}${unit || num(v)}`;
  }
  return d;
}
