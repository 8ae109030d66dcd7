// The lattice views (spatial-pd, ethnocentrism): cells from binary frames
// drawn on a canvas (one device-independent block per cell, scaled with
// image-rendering: pixelated), a legend, and the time series beside.
import { TimeChart } from './chart.js';
import { h, TAB10, pretty, splitKey } from './dom.js';

const ETHNO_STRATEGIES = ['ethnocentric', 'altruist', 'cosmopolitan', 'egoist'];
const ETHNO_MEANING = {
  ethnocentric: 'helps its own tag only',
  altruist: 'helps everyone',
  cosmopolitan: 'helps other tags only',
  egoist: 'helps no one',
};
// Hue means tag on the canvas, so the strategy series are greys told apart by dashes (shade means strategy).
const ETHNO_LINES = {
  ethnocentric: { color: '#555555', dash: undefined },
  altruist: { color: '#888888', dash: [8, 3] },
  cosmopolitan: { color: '#aaaaaa', dash: [2, 3] },
  egoist: { color: '#555555', dash: [10, 3, 2, 3] },
};
const COOPERATION_COLOR = '#000000';
const MAX_CANVAS_PX = 640;

const rgba = ([r, g, b]) => ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0; // little-endian ImageData
const mix = (c, t, w) => c.map((v, i) => Math.round(v * (1 - w) + t[i] * w));
const WHITE = [255, 255, 255];
const BLACK = [0, 0, 0];
/** Strategy shades of a tag colour: ethnocentric pure, altruist light, cosmopolitan pale, egoist dark. */
const shade = (c, strategy) => [c, mix(c, WHITE, 0.45), mix(c, WHITE, 0.75), mix(c, BLACK, 0.5)][strategy];

/** Parses a binary cell frame of PROTOCOL.md; null if malformed. */
export function parseFrame(buf) {
  if (buf.byteLength < 5) return null;
  const dv = new DataView(buf);
  const kind = dv.getUint8(0);
  const tick = dv.getUint32(1, true);
  if (kind === 1) return { kind: 'full', tick, cells: new Uint8Array(buf, 5) };
  if (kind === 2) {
    if (buf.byteLength < 9) return null;
    const n = dv.getUint32(5, true);
    if (buf.byteLength < 9 + 5 * n) return null;
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = dv.getUint32(9 + 4 * i, true);
    return { kind: 'delta', tick, idx, val: new Uint8Array(buf, 9 + 4 * n, n) };
  }
  return null;
}

export class LatticeView {
  /** @param {HTMLElement} root  @param {string} unit  what a tick is (generation, period) */
  constructor(root, unit = 'tick') {
    this.unit = unit;
    this.root = root;
    this.canvas = h('canvas', { id: 'lattice', class: 'lattice', width: 1, height: 1 });
    this.legendEl = h('div', { class: 'legend lattice-legend' });
    this.chartEl = h('div', { 'data-chart': 'series', 'data-points': '0' });
    this.caption = h('p', { class: 'caption' });
    root.replaceChildren(
      h(
        'div',
        { class: 'lattice-layout' },
        h('section', { class: 'panel lattice-panel' }, h('div', { class: 'canvas-wrap' }, this.canvas), this.legendEl, this.caption),
        h('section', { class: 'panel series-panel' }, this.chartEl),
      ),
    );
    this.wrap = this.canvas.parentElement;
    // Shown at a whole number of screen pixels per cell when it fits: crisp.
    this.resizeObserver = new ResizeObserver(() => {
      cancelAnimationFrame(this.resizeFrame);
      this.resizeFrame = requestAnimationFrame(() => this.fitCanvas());
    });
    this.resizeObserver.observe(this.wrap);
    this.ctx = this.canvas.getContext('2d', { alpha: false });
    this.cells = null;
    this.dirty = false;
    this.chart = null;
    this.frameTick = 0;
  }

  onInit(msg) {
    this.model = msg.model;
    this.width = msg.width;
    this.height = msg.height;
    this.palette = msg.palette || [];
    this.ethno = msg.model === 'ethnocentrism';
    this.cells = new Uint8Array(this.width * this.height);
    // Cells get `scale` canvas pixels each: 1 for big lattices; more when
    // ethnocentrism has room to mark the strategy inside a cell.
    this.scale = this.ethno ? Math.max(1, Math.min(8, Math.floor(MAX_CANVAS_PX / Math.max(this.width, this.height)))) : 1;
    this.canvas.width = this.width * this.scale;
    this.canvas.height = this.height * this.scale;
    this.canvas.style.aspectRatio = `${this.width} / ${this.height}`;
    this.image = this.ctx.createImageData(this.canvas.width, this.canvas.height);
    this.pixels = new Uint32Array(this.image.data.buffer);
    // Does the palette already shade the four strategies of a tag?
    this.shaded = false;
    for (let i = 1; i + 3 < this.palette.length; i += 4) {
      for (let k = 1; k < 4; k++) if (String(this.palette[i + k]) !== String(this.palette[i])) this.shaded = true;
    }
    this.tiles = this.palette.map((c, i) => this.tile(c, i));
    this.haveFrame = false;
    this.dirty = true;
    this.fitCanvas();
    this.buildLegend(msg);
    this.caption.textContent = `${this.width} × ${this.height} cells`;

    const series = this.seriesDefs(msg);
    if (!this.chart || !this.chart.sameSeries(series)) {
      if (this.chart) this.chart.destroy();
      this.chart = new TimeChart(this.chartEl, {
        title: this.ethno ? 'Strategy shares and cooperation' : 'Cooperators',
        unit: 'fraction',
        x: this.unit,
        series,
        yMin: 0,
        yMax: 1,
        height: 220,
      });
    } else {
      this.chart.clear();
    }
    this.chart.pushAll(msg.history || []);
  }

  /** The series to plot: the keys of the rows that match `init.series`. */
  seriesDefs(msg) {
    const keys = new Set();
    for (const r of msg.history || []) for (const k of Object.keys(r.m || {})) keys.add(k);
    const known = this.ethno ? [...ETHNO_STRATEGIES.map((s) => `share|strategy|${s}`), 'cooperation|all|all'] : ['cooperators|all|all'];
    for (const k of known) keys.add(k);
    const names = msg.series || [];
    let chosen = [...keys].filter((k) => {
      const { metric, group } = splitKey(k);
      return names.some((n) => n === k || n === metric || n === group);
    });
    if (!chosen.length) chosen = known;
    chosen.sort((a, b) => rank(a, known) - rank(b, known));
    return chosen.map((k, i) => {
      const { metric, groupBy, group } = splitKey(k);
      const label = groupBy === 'all' ? pretty(metric) : pretty(group);
      if (!this.ethno) return { key: k, label, color: '#1f3fbf', width: 1.8 };
      if (metric === 'cooperation') return { key: k, label, color: COOPERATION_COLOR, width: 2.5 };
      const line = ETHNO_LINES[group] || { color: TAB10[i % 10] };
      return { key: k, label, color: line.color, dash: line.dash, width: 1.8 };
    });
  }

  /**
   * The canvas block of palette index `i`. Ethnocentrism: the tag colour,
   * shaded by strategy (the server's palette may already carry the shades;
   * if it gives one colour per tag the page shades it the same way) and,
   * when a cell has room, marked: ethnocentric a dark dot, cosmopolitan a dot
   * of the pure tag colour; altruist (light) and egoist (dark) plain.
   */
  tile(color, i) {
    const s = this.scale;
    const t = new Uint32Array(s * s);
    if (!this.ethno || i === 0) {
      t.fill(rgba(color));
      return t;
    }
    const tag = Math.floor((i - 1) / 4);
    const strategy = (i - 1) % 4;
    const tagColor = this.palette[1 + 4 * tag] || color;
    const base = this.shaded ? color : shade(tagColor, strategy);
    t.fill(rgba(base));
    if (s >= 4) {
      const dot = strategy === 0 ? mix(tagColor, BLACK, 0.6) : strategy === 2 ? tagColor : null;
      if (dot) {
        const lo = Math.floor(s / 4);
        const hi = s - lo;
        for (let y = lo; y < hi; y++) for (let x = lo; x < hi; x++) t[y * s + x] = rgba(dot);
      }
      // A thin light gap between cells keeps neighbours apart.
      if (s >= 6) {
        const gap = rgba([250, 250, 250]);
        for (let k = 0; k < s; k++) t[(s - 1) * s + k] = t[k * s + s - 1] = gap;
      }
    }
    return t;
  }

  buildLegend(msg) {
    const items = [];
    const swatch = (css) => h('i', { class: 'sw', style: css });
    if (this.ethno) {
      const tags = Math.max(0, Math.floor((this.palette.length - 1) / 4));
      const tagRow = [h('span', { class: 'lg-title' }, 'Tags:')];
      for (let t = 0; t < tags; t++) {
        const c = this.palette[1 + 4 * t];
        tagRow.push(h('span', { class: 'lg' }, swatch(`background:rgb(${c.join(',')})`), `tag ${t}`));
      }
      if (this.palette[0]) tagRow.push(h('span', { class: 'lg' }, swatch(`background:rgb(${this.palette[0].join(',')})`), 'empty'));
      const stratRow = [h('span', { class: 'lg-title' }, 'Strategies:')];
      ETHNO_STRATEGIES.forEach((name, s) => {
        const cv = h('canvas', { class: 'sw tile', width: this.scale, height: this.scale });
        const idx = 1 + s;
        if (this.tiles[idx]) {
          const img = cv.getContext('2d').createImageData(this.scale, this.scale);
          new Uint32Array(img.data.buffer).set(this.tiles[idx]);
          cv.getContext('2d').putImageData(img, 0, 0);
        }
        stratRow.push(h('span', { class: 'lg', title: ETHNO_MEANING[name] }, cv, `${name} (${ETHNO_MEANING[name]})`));
      });
      items.push(h('div', null, ...tagRow), h('div', null, ...stratRow));
    } else {
      const legend = msg.legend || [];
      this.palette.forEach((c, i) => {
        items.push(h('span', { class: 'lg' }, swatch(`background:rgb(${c.join(',')})`), legend[i] ?? `state ${i}`));
      });
      if (msg.model === 'spatial-pd') items.push(h('span', { class: 'lg lg-note' }, '(last round → this round)'));
    }
    this.legendEl.replaceChildren(...items);
  }

  fitCanvas() {
    if (!this.width) return;
    const avail = Math.min(MAX_CANVAS_PX, this.wrap.clientWidth);
    if (!avail) return;
    const k = Math.floor(avail / this.width);
    this.canvas.style.width = `${k >= 1 ? k * this.width : avail}px`;
  }

  onBinary(buf) {
    if (!this.cells) return;
    const f = parseFrame(buf);
    if (!f) return;
    const n = this.cells.length;
    if (f.kind === 'full') {
      this.cells.set(f.cells.subarray(0, n));
      this.haveFrame = true;
    } else {
      for (let i = 0; i < f.idx.length; i++) if (f.idx[i] < n) this.cells[f.idx[i]] = f.val[i];
    }
    this.frameTick = f.tick;
    this.dirty = true;
  }

  onTick(msg) {
    if (this.chart) this.chart.pushAll(msg.rows || []);
  }

  render(now, load = 1) {
    if (this.chart) this.chart.flush(now, false, load);
    if (!this.dirty || !this.cells) return;
    this.dirty = false;
    const { width, height, scale: s, pixels, tiles, cells } = this;
    const stride = width * s;
    const blank = tiles[0] || new Uint32Array(s * s).fill(0xffffffff);
    if (s === 1) {
      const lut = tiles.map((t) => t[0]);
      for (let i = 0; i < cells.length; i++) pixels[i] = lut[cells[i]] ?? 0xff000000;
    } else {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const t = tiles[cells[y * width + x]] || blank;
          let o = y * s * stride + x * s;
          for (let ty = 0; ty < s; ty++, o += stride) pixels.set(t.subarray(ty * s, ty * s + s), o);
        }
      }
    }
    this.ctx.putImageData(this.image, 0, 0);
    this.canvas.setAttribute('data-tick', String(this.frameTick));
  }

  destroy() {
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.resizeFrame);
    if (this.chart) this.chart.destroy();
    this.root.replaceChildren();
  }
}

function rank(key, known) {
  const i = known.indexOf(key);
  return i < 0 ? known.length : i;
}
