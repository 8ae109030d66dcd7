// The firm network: cytoscape (canvas renderer). The graph is built once per
// `init`; tick frames only queue their add/del/upd deltas, which are applied
// in one cytoscape batch a few times a second. New firms are placed near a
// partner or in their origin's cluster; a cheap incremental layout runs now
// and then on small graphs.
import cytoscape from 'cytoscape';
import { h, pretty } from './dom.js';

const APPLY_EVERY_MS = 200;
const RELAYOUT_EVERY_MS = 4000;
const FORCE_LAYOUT_MAX_NODES = 300;
// Above this many firms trust ties start hidden (drawing up to 2,000 of them
// on every redraw halves the frame rate of a 1,000-firm market); the
// checkbox shows them.
const TRUST_AUTO_HIDE_NODES = 400;
const SHAPES = ['ellipse', 'round-rectangle', 'triangle', 'diamond', 'hexagon', 'star', 'vee', 'pentagon', 'tag', 'rhomboid'];

/** Node diameter (px at zoom 1) for a market share. */
// Whole even pixels: nodes of one look share cytoscape's cached textures.
const sizeOf = (share) => 2 * Math.round(Math.min(48, 5 + 90 * Math.sqrt(Math.max(0, share || 0))) / 2);
const edgeId = (a, b, k) => (a < b ? `${a}-${b}-${k}` : `${b}-${a}-${k}`);

export class NetworkView {
  /** @param {HTMLElement} root  the #network container */
  constructor(root, infoEl, trustToggle) {
    this.root = root;
    this.infoEl = infoEl;
    this.trustToggle = trustToggle;
    this.showTrust = true;
    this.trustChosen = false; // the user ticked or unticked the box
    if (trustToggle) {
      trustToggle.addEventListener('change', () => {
        this.trustChosen = true;
        this.setTrust(trustToggle.checked);
      });
    }
    this.cy = null;
    this.nodes = null;
    this.lastApply = 0;
    this.applyCost = 0;
    this.layoutCost = 0;
    this.lastLayout = 0;
    this.structural = 0;
    this.userMoved = false;
    this.layoutRunning = null;
  }

  ensure() {
    if (this.cy) return;
    this.cy = cytoscape({
      container: this.root,
      elements: [],
      minZoom: 0.05,
      maxZoom: 8,
      boxSelectionEnabled: false,
      autoungrabify: false,
      textureOnViewport: true,
      pixelRatio: Math.min(2, window.devicePixelRatio || 1),
      hideEdgesOnViewport: false,
      motionBlur: false,
      style: [
        {
          selector: 'node',
          style: {
            'background-color': 'data(color)',
            width: 'data(size)',
            height: 'data(size)',
            shape: 'data(shape)',
            'border-width': 0.6,
            'border-color': '#333',
            label: '',
          },
        },
        { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#000' } },
        { selector: 'edge', style: { 'curve-style': 'haystack', 'haystack-radius': 0 } },
        { selector: 'edge[k = "t"]', style: { width: 0.7, 'line-color': '#d2d2d2' } },
        { selector: 'edge[k = "p"]', style: { width: 2.4, 'line-color': '#3b3b3b', 'z-index': 1 } },
      ],
    });
    this.cy.on('viewport', () => {
      if (!this.programmatic) this.userMoved = true;
    });
    this.cy.on('tap', 'node', (e) => this.describe(e.target));
    this.cy.on('tap', (e) => {
      if (e.target === this.cy && this.infoEl) this.infoEl.textContent = 'Tap a firm for details.';
    });
  }

  describe(node) {
    if (!this.infoEl) return;
    const d = node.data();
    const partners = node.connectedEdges('[k = "p"]').length;
    const trust = node.connectedEdges('[k = "t"]').length;
    this.infoEl.textContent = `firm ${d.id} · ${this.origins[d.origin] ?? d.origin} · ${pretty(this.strategies[d.strategy] ?? d.strategy)} · segment ${d.segment} · share ${(100 * d.share).toFixed(2)} % · ${partners} partnership${partners === 1 ? '' : 's'}, ${trust} trust tie${trust === 1 ? '' : 's'}`;
  }

  /** Rebuilds the whole graph from an `init` message and lays it out. */
  init(msg) {
    this.ensure();
    this.origins = msg.origins || [];
    this.strategies = msg.strategies || [];
    this.colors = msg.origin_colors || [];
    // The model: what the graph should show. Deltas land here at once; the
    // graph catches up in batches (apply), touching only what changed.
    this.nodes = new Map();
    this.edges = new Map();
    this.dirtyNodes = new Set();
    this.dirtyEdges = new Set();
    for (const f of msg.firms || []) this.nodes.set(String(f[0]), f.slice());
    for (const e of msg.edges || []) this.edges.set(edgeId(e[0], e[1], e[2]), e);
    const cy = this.cy;
    if (this.layoutRunning) this.layoutRunning.stop();
    cy.batch(() => {
      cy.elements().remove();
      cy.add([...this.nodes.values()].map((f) => this.nodeDef(f)));
      const edges = [];
      for (const [id, [a, b, k]] of this.edges) {
        if (this.nodes.has(String(a)) && this.nodes.has(String(b))) edges.push(this.edgeDef(id, a, b, k));
      }
      cy.add(edges);
    });
    this.userMoved = false;
    if (!this.trustChosen) this.setTrust(this.nodes.size <= TRUST_AUTO_HIDE_NODES);
    this.layout(true);
    if (this.infoEl) this.infoEl.textContent = 'Tap a firm for details.';
  }

  nodeDef(f) {
    const [id, origin, strategy, segment, share] = f;
    return {
      group: 'nodes',
      data: { id: String(id), origin, strategy, segment, share, size: sizeOf(share), color: this.colors[origin] || '#999', shape: SHAPES[strategy % SHAPES.length] },
    };
  }

  edgeDef(id, a, b, k) {
    return { group: 'edges', data: { id, source: String(a), target: String(b), k } };
  }

  /** Folds the deltas of a `tick` frame into the model. */
  push(msg) {
    if (!this.nodes) return;
    const f = msg.firms;
    const e = msg.edges;
    if (f) {
      for (const a of f.add || []) {
        const id = String(a[0]);
        this.nodes.set(id, a.slice());
        this.dirtyNodes.add(id);
      }
      for (const d of f.del || []) {
        const id = String(d);
        this.nodes.delete(id);
        this.dirtyNodes.add(id);
      }
      for (const [i, strategy, share] of f.upd || []) {
        const id = String(i);
        const n = this.nodes.get(id);
        if (!n) continue;
        n[2] = strategy;
        n[4] = share;
        this.dirtyNodes.add(id);
      }
    }
    if (e) {
      for (const a of e.add || []) {
        const id = edgeId(a[0], a[1], a[2]);
        this.edges.set(id, a);
        this.dirtyEdges.add(id);
      }
      for (const d of e.del || []) {
        const id = edgeId(d[0], d[1], d[2]);
        this.edges.delete(id);
        this.dirtyEdges.add(id);
      }
    }
  }

  /** Applies the model's changes (throttled) and runs the occasional layout. */
  flush(now, load = 1) {
    if (!this.cy || !this.nodes) return;
    // A busy page (load > 1) and a costly last batch both stretch the interval.
    const interval = Math.min(3000, Math.max(APPLY_EVERY_MS * load * load, 10 * this.applyCost));
    if (now - this.lastApply >= interval && (this.dirtyNodes.size || this.dirtyEdges.size)) {
      this.lastApply = now;
      const t0 = performance.now();
      this.apply();
      this.applyCost = performance.now() - t0;
      return;
    }
    const relayout = Math.max(RELAYOUT_EVERY_MS * load, 25 * this.layoutCost);
    if (this.structural && now - this.lastLayout >= relayout && !this.layoutRunning && now - this.lastApply > 50) {
      const t0 = performance.now();
      this.layout(false);
      this.layoutCost = performance.now() - t0;
    }
  }

  /** One cytoscape batch: one remove, one add, data of changed nodes only. */
  apply() {
    const cy = this.cy;
    const dirtyNodes = this.dirtyNodes;
    const dirtyEdges = this.dirtyEdges;
    this.dirtyNodes = new Set();
    this.dirtyEdges = new Set();
    const remove = [];
    const addNodes = [];
    const addEdges = [];
    const updates = [];
    for (const id of dirtyNodes) {
      const ele = cy.getElementById(id);
      const f = this.nodes.get(id);
      if (!f) {
        if (ele.nonempty()) remove.push(ele);
      } else if (ele.empty()) {
        addNodes.push(f);
      } else {
        const d = ele.data();
        const size = sizeOf(f[4]);
        if (d.strategy !== f[2] || d.size !== size) updates.push([ele, { strategy: f[2], share: f[4], size, shape: SHAPES[f[2] % SHAPES.length] }]);
        else d.share = f[4]; // for the tap description; no restyle needed
      }
    }
    for (const id of dirtyEdges) {
      const ele = cy.getElementById(id);
      const e = this.edges.get(id);
      if (!e) {
        if (ele.nonempty()) remove.push(ele);
      } else if (ele.empty()) {
        addEdges.push([id, e]);
      }
    }
    if (!remove.length && !addNodes.length && !addEdges.length && !updates.length) return;
    const centres = addNodes.length ? this.originCentres() : null;
    cy.batch(() => {
      if (remove.length) {
        cy.collection(remove).remove();
        this.structural += remove.length;
      }
      let fresh = null;
      if (addNodes.length) {
        fresh = cy.add(
          addNodes.map((f) => {
            const n = this.nodeDef(f);
            const c = centres[f[1]] || { x: 0, y: 0, r: 50 };
            const a = Math.random() * 2 * Math.PI;
            const r = Math.random() * c.r;
            n.position = { x: c.x + r * Math.cos(a), y: c.y + r * Math.sin(a) };
            return n;
          }),
        );
        this.structural += addNodes.length;
      }
      const defs = [];
      for (const [id, [a, b, k]] of addEdges) {
        if (!this.nodes.has(String(a)) || !this.nodes.has(String(b))) continue;
        defs.push(this.edgeDef(id, a, b, k));
        if (k === 'p') this.structural++;
      }
      if (defs.length) cy.add(defs);
      // Newcomers with a partner or trusted firm already start beside it.
      if (fresh) {
        fresh.forEach((n) => {
          const nb = n.neighborhood('node');
          if (nb.nonempty()) {
            const p = nb[0].position();
            n.position({ x: p.x + (Math.random() - 0.5) * 30, y: p.y + (Math.random() - 0.5) * 30 });
          }
        });
      }
      for (const [ele, data] of updates) ele.data(data);
    });
  }

  /** Centroid and spread of each origin's nodes, to place newcomers. */
  originCentres() {
    const acc = new Map();
    this.cy.nodes().forEach((n) => {
      const o = n.data('origin');
      const p = n.position();
      const a = acc.get(o) || { x: 0, y: 0, n: 0, pts: [] };
      a.x += p.x;
      a.y += p.y;
      a.n++;
      acc.set(o, a);
    });
    const out = [];
    for (const [o, a] of acc) out[o] = { x: a.x / a.n, y: a.y / a.n, r: 20 + 6 * Math.sqrt(a.n) };
    return out;
  }

  /**
   * Lays out the graph. Small graphs get cytoscape's force-directed `cose`
   * (from scratch on init, a short refinement of the current positions
   * otherwise); large ones a deterministic cluster-per-origin spiral on init
   * and newcomer placement only.
   */
  layout(initial) {
    const cy = this.cy;
    this.lastLayout = performance.now();
    this.structural = 0;
    const n = cy.nodes().length;
    if (n === 0) return;
    this.programmatic = true;
    if (initial) {
      // Tick 0 has few ties: start from one cluster per origin, and let the
      // incremental refinements below pull partners together as ties form.
      this.clusterLayout();
    } else if (n <= FORCE_LAYOUT_MAX_NODES) {
      const opts = {
        name: 'cose',
        animate: false,
        randomize: false,
        fit: !this.userMoved,
        padding: 12,
        nodeDimensionsIncludeLabels: false,
        numIter: 150,
        initialTemp: 80,
        coolingFactor: 0.95,
        nodeRepulsion: () => 8000,
        idealEdgeLength: (e) => (e.data('k') === 'p' ? 30 : 60),
        edgeElasticity: (e) => (e.data('k') === 'p' ? 200 : 40),
        gravity: 1.2,
        componentSpacing: 40,
      };
      // Partnerships pull hard, trust ties gently (they keep origins together).
      const l = cy.layout(opts);
      this.layoutRunning = l;
      l.one('layoutstop', () => {
        this.layoutRunning = null;
        this.programmatic = false;
      });
      l.run();
      if (this.layoutRunning === l) this.layoutRunning = null;
    }
    this.programmatic = false;
  }

  clusterLayout() {
    const cy = this.cy;
    const byOrigin = new Map();
    cy.nodes().forEach((n) => {
      const o = n.data('origin');
      if (!byOrigin.has(o)) byOrigin.set(o, []);
      byOrigin.get(o).push(n);
    });
    const groups = [...byOrigin.keys()].sort((a, b) => a - b);
    // Spiral radius of the largest cluster; centres far enough apart to leave a gap.
    const spread = 9 * Math.sqrt(Math.max(1, ...[...byOrigin.values()].map((v) => v.length)));
    const R = groups.length > 1 ? 1.25 * spread / Math.sin(Math.PI / groups.length) : 0;
    const golden = Math.PI * (3 - Math.sqrt(5));
    cy.batch(() => {
      groups.forEach((o, gi) => {
        const angle = (2 * Math.PI * gi) / groups.length - Math.PI / 2;
        const cx = groups.length > 1 ? R * Math.cos(angle) : 0;
        const cyy = groups.length > 1 ? R * Math.sin(angle) : 0;
        const nodes = byOrigin.get(o).sort((a, b) => b.data('share') - a.data('share'));
        nodes.forEach((node, i) => {
          const r = 9 * Math.sqrt(i);
          node.position({ x: cx + r * Math.cos(i * golden), y: cyy + r * Math.sin(i * golden) });
        });
      });
    });
    cy.fit(undefined, 12);
  }

  setTrust(show) {
    this.showTrust = show;
    if (this.trustToggle) this.trustToggle.checked = show;
    if (this.cy) this.cy.style().selector('edge[k = "t"]').style('display', show ? 'element' : 'none').update();
  }

  /** Legend entries: origins (colours) and strategies (shapes). */
  legend() {
    const items = [];
    this.origins.forEach((o, i) => items.push(h('span', { class: 'lg' }, h('i', { class: 'dot', style: `background:${this.colors[i] || '#999'}` }), o)));
    items.push(h('span', { class: 'lg sep' }, '·'));
    this.strategies.forEach((s, i) => items.push(h('span', { class: 'lg' }, h('i', { class: `shape shape-${SHAPES[i % SHAPES.length]}` }), pretty(s))));
    items.push(h('span', { class: 'lg sep' }, '·'));
    items.push(h('span', { class: 'lg' }, h('i', { class: 'line p' }), 'partnership'));
    items.push(h('span', { class: 'lg' }, h('i', { class: 'line t' }), 'trust tie'));
    return items;
  }

  fit() {
    if (!this.cy) return;
    this.programmatic = true;
    this.cy.fit(undefined, 12);
    this.programmatic = false;
    this.userMoved = false;
  }

  resize() {
    if (this.cy) this.cy.resize();
  }

  destroy() {
    if (this.layoutRunning) this.layoutRunning.stop();
    if (this.cy) this.cy.destroy();
    this.cy = null;
  }
}
