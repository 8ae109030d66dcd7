// A growing time series drawn with uPlot. Rows are appended as they arrive
// (plain arrays, amortised O(1)); the plot is redrawn with setData at most
// every `interval` ms from the page's animation frame, so 60 frames a second
// of a large market cost a handful of redraws.
import uPlot from 'uplot';
import { h } from './dom.js';

const DEFAULT_INTERVAL = 120;

/**
 * @typedef {object} SeriesDef
 * @property {string} key    tidy key `metric|group_by|group` read from TickRow.m
 * @property {string} label
 * @property {string} color
 * @property {number[]} [dash]
 * @property {boolean} [cumulative]  plot the running sum
 * @property {number|null} [missing] value when the key is absent from a row (default null: a gap)
 * @property {number} [width]
 */

export class TimeChart {
  /**
   * @param {HTMLElement} container  element carrying data-chart; gets a title and the plot
   * @param {{title: string, unit?: string, x?: string, series: SeriesDef[], yMin?: number, yMax?: number, height?: number}} opts  x: the x axis label (the time unit)
   */
  constructor(container, opts) {
    this.container = container;
    this.opts = opts;
    this.interval = DEFAULT_INTERVAL;
    this.lastDraw = 0;
    this.dirty = false;
    this.plot = null;
    container.classList.add('chart');
    container.replaceChildren(
      h('h3', null, opts.title, opts.unit ? h('span', { class: 'unit' }, ` (${opts.unit})`) : null),
      (this.plotEl = h('div', { class: 'plot' })),
    );
    this.clear();
    // Test hook: the data behind the plot, [x, ...series].
    container.kyosoData = () => [this.x.slice(), ...this.ys.map((y) => y.slice())];
    // Test hook: the axis labels uPlot draws (on its canvas, so not in the DOM).
    container.kyosoAxes = () => (this.plot ? this.plot.axes.map((a) => a.label ?? null) : null);
    this.observedWidth = -1;
    this.resizeObserver = new ResizeObserver((entries) => {
      // Only width matters (the legend changes the height as values change).
      const w = Math.floor(entries[entries.length - 1].contentRect.width);
      if (w === this.observedWidth) return;
      this.observedWidth = w;
      // Resize on the next frame: resizing inside the observer callback can loop.
      cancelAnimationFrame(this.resizeFrame);
      this.resizeFrame = requestAnimationFrame(() => this.resize());
    });
    this.resizeObserver.observe(this.plotEl);
  }

  /** Forgets every point. */
  clear() {
    this.x = [];
    this.ys = this.opts.series.map(() => []);
    this.acc = this.opts.series.map(() => 0);
    this.dirty = true;
    this.forceNext = true;
  }

  /** Same series (keys, labels and colours)? Then a reset only needs clear(). */
  sameSeries(series) {
    const a = this.opts.series;
    return a.length === series.length && a.every((s, i) => s.key === series[i].key && s.label === series[i].label && s.color === series[i].color);
  }

  /** Appends one TickRow; rows at or before the last tick are ignored. */
  push(row) {
    const n = this.x.length;
    if (n && row.tick <= this.x[n - 1]) return;
    this.x.push(row.tick);
    const m = row.m || {};
    this.opts.series.forEach((s, i) => {
      let v = m[s.key];
      if (v === undefined || v === null) v = s.missing === undefined ? null : s.missing;
      if (s.cumulative) {
        if (v !== null) this.acc[i] += v;
        v = this.acc[i];
      }
      this.ys[i].push(v);
    });
    this.dirty = true;
  }

  pushAll(rows) {
    for (const r of rows) this.push(r);
  }

  get points() {
    return this.x.length;
  }

  /** Redraws if there is new data and the throttle allows (or `force`). */
  flush(now, force = false, load = 1) {
    if (!this.dirty) return;
    if (!force && !this.forceNext && now - this.lastDraw < this.interval * load) return;
    this.lastDraw = now;
    this.dirty = false;
    this.forceNext = false;
    const data = [this.x, ...this.ys];
    if (!this.plot) {
      if (!this.create(data)) {
        this.dirty = true;
        return;
      }
    } else {
      this.plot.setData(data);
    }
    this.showLatest();
    this.container.setAttribute('data-points', String(this.x.length));
  }

  size() {
    const w = Math.max(120, Math.floor(this.plotEl.clientWidth));
    const hgt = this.opts.height || (window.innerWidth < 700 ? 150 : 180);
    return { width: w, height: hgt };
  }

  create(data) {
    if (!this.plotEl.isConnected || this.plotEl.clientWidth === 0) return false;
    const { yMin, yMax } = this.opts;
    const opts = {
      ...this.size(),
      pxAlign: 0,
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      legend: { show: true, live: true },
      scales: {
        x: { time: false },
        y: {
          range: (u, min, max) => {
            let lo = yMin !== undefined ? yMin : min;
            let hi = yMax !== undefined ? yMax : max;
            if (lo === null || hi === null || !Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
            if (yMin === undefined && yMax === undefined) return uPlot.rangeNum(lo, hi, 0.1, true);
            if (hi <= lo) hi = lo + 1;
            return [lo, hi];
          },
        },
      },
      axes: [
        { label: this.opts.x || 'tick', labelSize: 14, size: 32, gap: 2, font: '11px system-ui, sans-serif', labelFont: '11px system-ui, sans-serif' },
        { size: 46, gap: 2, font: '11px system-ui, sans-serif' },
      ],
      series: [
        { label: this.opts.x || 'tick' },
        ...this.opts.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width || 1.5,
          dash: s.dash,
          points: { show: false },
          value: (u, v) => (v === null || v === undefined ? '–' : formatValue(v)),
        })),
      ],
    };
    this.plot = new uPlot(opts, data, this.plotEl);
    // The legend shows the latest values unless the cursor points elsewhere.
    this.hover = false;
    this.plot.over.addEventListener('mouseenter', () => (this.hover = true));
    this.plot.over.addEventListener('mouseleave', () => {
      this.hover = false;
      requestAnimationFrame(() => this.showLatest());
    });
    return true;
  }

  showLatest() {
    if (this.plot && !this.hover && this.x.length) this.plot.setLegend({ idx: this.x.length - 1 });
  }

  resize() {
    if (!this.plot) {
      if (this.x.length) this.flush(performance.now(), true);
      return;
    }
    const s = this.size();
    if (s.width !== this.plot.width || s.height !== this.plot.height) this.plot.setSize(s);
  }

  destroy() {
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.resizeFrame);
    if (this.plot) this.plot.destroy();
    this.plot = null;
  }
}

function formatValue(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.001 || a >= 1e6)) return v.toExponential(2);
  if (Number.isInteger(v)) return String(v);
  return a < 1 ? v.toFixed(3) : a < 100 ? v.toFixed(2) : v.toFixed(0);
}
