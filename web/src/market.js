// The market view of silent-rivalry: six time series, the firm network and
// the event log. Colours come from the server (kyoso_io::palette), so an
// origin, a strategy or a cause looks the same here and in the reports.
import { TimeChart } from './chart.js';
import { NetworkView } from './network.js';
import { EventLog } from './events.js';

/** Event kinds the log can hide, with their filter labels. */
const EVENT_KINDS = [
  ['entry', 'entries'],
  ['exit', 'exits'],
  ['partnership_formed', 'formed'],
  ['partnership_dissolved', 'dissolved'],
  ['betrayal_detected', 'betrayals'],
  ['withholding_detected', 'withholdings seen'],
  ['strategy_switch', 'switches'],
];
import { h, TAB10, pretty } from './dom.js';

const strategyLabel = (s) => (s === 'naive_ingroup' ? 'naive in-group' : pretty(s));

export class MarketView {
  constructor(root) {
    this.root = root;
    const chart = (name) => h('div', { 'data-chart': name, 'data-points': '0' });
    this.els = {
      shares: chart('shares'),
      gap: chart('gap'),
      capability: chart('capability'),
      strategies: chart('strategies'),
      partnerships: chart('partnerships'),
      profit: chart('profit'),
    };
    this.netInfo = h('p', { class: 'net-info' }, 'Tap a firm for details.');
    this.netLegend = h('div', { class: 'legend net-legend' });
    this.networkEl = h('div', { id: 'network', class: 'network' });
    this.eventsEl = h('div', { id: 'events', class: 'events' });
    root.replaceChildren(
      h('div', { class: 'charts' }, this.els.shares, this.els.gap, this.els.capability, this.els.strategies, this.els.partnerships, this.els.profit),
      h(
        'div',
        { class: 'market-lower' },
        h(
          'section',
          { class: 'panel net-panel' },
          h(
            'h3',
            { class: 'net-head' },
            'Firms and ties ',
            h('button', { type: 'button', class: 'small', onclick: () => this.network.fit() }, 'fit'),
            h('label', { class: 'toggle' }, (this.trustToggle = h('input', { type: 'checkbox', id: 'show-trust', checked: true })), ' trust ties'),
          ),
          this.networkEl,
          this.netLegend,
          this.netInfo,
        ),
        h(
          'section',
          { class: 'panel events-panel' },
          h('h3', null, 'Events'),
          h(
            'div',
            { class: 'event-filters', id: 'event-filters' },
            ...EVENT_KINDS.map(([kind, label]) =>
              h(
                'label',
                { class: `toggle ev-${kind}` },
                h('input', {
                  type: 'checkbox',
                  checked: true,
                  'data-kind': kind,
                  onchange: (e) => this.eventsEl.classList.toggle(`hide-${kind}`, !e.target.checked),
                }),
                ` ${label}`,
              ),
            ),
          ),
          this.eventsEl,
        ),
      ),
    );
    this.network = new NetworkView(this.networkEl, this.netInfo, this.trustToggle);
    this.log = new EventLog(this.eventsEl, 'month');
    this.charts = null;
    this.resizeObserver = new ResizeObserver(() => {
      cancelAnimationFrame(this.resizeFrame);
      this.resizeFrame = requestAnimationFrame(() => this.network.resize());
    });
    this.resizeObserver.observe(this.networkEl);
  }

  defs(msg) {
    const origins = msg.origins || [];
    const colors = msg.origin_colors || [];
    const strategies = msg.strategies || [];
    const sColors = msg.strategy_colors || [];
    const causes = msg.causes || [];
    const cColors = msg.cause_colors || [];
    const strategyColor = (s, i) => sColors[i] || TAB10[i % 10];
    const x = 'month';
    return {
      shares: {
        title: 'Market share by origin',
        unit: 'fraction of demand',
        x,
        series: [
          ...origins.map((o, i) => ({ key: `market_share|origin|${o}`, label: o, color: colors[i] || TAB10[i % 10], width: 2 })),
          { key: 'market_share|outside|outside', label: 'outside option', color: '#555555', dash: [5, 4] },
        ],
      },
      gap: {
        title: 'Expectation gap: expected in-group trust − truthful in-group sharing',
        unit: 'trust minus rate',
        x,
        series: [
          { key: 'expectation_gap|all|all', label: 'all firms', color: '#222222', width: 2 },
          // Claim C1 is about the naive in-group firms' expectation.
          { key: 'expectation_gap|strategy|naive_ingroup', label: 'naive in-group', color: strategyColor('naive_ingroup', strategies.indexOf('naive_ingroup')), width: 2 },
        ],
      },
      capability: {
        title: 'Industry capability',
        unit: 'mean q of alive firms, utility units',
        x,
        series: [{ key: 'capability_mean|all|all', label: 'capability mean', color: '#2ca02c', width: 2 }],
      },
      strategies: {
        title: 'Strategy mix',
        unit: 'firms alive',
        x,
        series: strategies.map((s, i) => ({ key: `firms_alive|strategy|${s}`, label: strategyLabel(s), color: strategyColor(s, i), missing: 0 })),
      },
      partnerships: {
        title: 'Partnerships',
        unit: 'active; dissolved cumulative',
        x,
        series: [
          { key: 'partnerships_active|all|all', label: 'active', color: '#1f77b4', width: 2 },
          ...causes.map((c, i) => ({
            key: `partnerships_dissolved|cause|${c}`,
            label: `dissolved: ${pretty(c)}`,
            color: cColors[i] || TAB10[(i + 3) % 10],
            cumulative: true,
            missing: 0,
            dash: [4, 3],
          })),
        ],
      },
      profit: {
        title: 'Mean profit by strategy',
        unit: 'money per month, alive firms',
        x,
        series: strategies.map((s, i) => ({ key: `profit_mean|strategy|${s}`, label: strategyLabel(s), color: strategyColor(s, i) })),
      },
    };
  }

  onInit(msg) {
    const defs = this.defs(msg);
    if (!this.charts) {
      this.charts = {};
      for (const [name, d] of Object.entries(defs)) this.charts[name] = new TimeChart(this.els[name], d);
    } else {
      for (const [name, d] of Object.entries(defs)) {
        if (this.charts[name].sameSeries(d.series)) this.charts[name].clear();
        else {
          this.charts[name].destroy();
          this.charts[name] = new TimeChart(this.els[name], d);
        }
      }
    }
    const history = msg.history || [];
    for (const c of Object.values(this.charts)) c.pushAll(history);
    for (const f of msg.firms || []) this.log.firm(f[0], f[1]);
    this.log.reset(msg.origins, msg.events);
    this.network.init(msg);
    this.netLegend.replaceChildren(...this.network.legend());
  }

  onTick(msg) {
    if (!this.charts) return;
    const rows = msg.rows || [];
    for (const c of Object.values(this.charts)) c.pushAll(rows);
    if (msg.firms && msg.firms.add) for (const f of msg.firms.add) this.log.firm(f[0], f[1]);
    this.log.push(msg.events);
    this.network.push(msg);
  }

  render(now, load = 1) {
    if (!this.charts) return;
    for (const c of Object.values(this.charts)) c.flush(now, false, load);
    this.network.flush(now, load);
    this.log.flush(now, load);
  }

  destroy() {
    this.resizeObserver.disconnect();
    if (this.charts) for (const c of Object.values(this.charts)) c.destroy();
    this.network.destroy();
    this.root.replaceChildren();
  }
}
