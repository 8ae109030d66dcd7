// The scrolling event log: newest on top, capped, rendered once per frame.
import { h, pretty } from './dom.js';

const CAP = 500;
const FLUSH_EVERY_MS = 100;

export class EventLog {
  /** @param {HTMLElement} root  the #events container */
  constructor(root) {
    this.root = root;
    this.tbody = h('tbody');
    this.root.replaceChildren(
      h('table', null, h('thead', null, h('tr', null, h('th', null, 'tick'), h('th', null, 'event'), h('th', null, 'firms'), h('th', null, 'cause / detail'))), this.tbody),
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
    // Newest first: the queue is in arrival order.
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const e = this.queue[i];
      const firms = this.firms(e);
      const detail = describe(e);
      frag.append(
        h('tr', { class: `ev ev-${e.kind}` }, h('td', null, e.tick), h('td', { class: 'kind' }, pretty(e.kind)), h('td', null, firms), h('td', null, detail)),
      );
    }
    this.queue = [];
    this.tbody.prepend(frag);
    const rows = this.tbody.rows;
    for (let n = rows.length; n > CAP; n--) this.tbody.lastElementChild.remove();
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
