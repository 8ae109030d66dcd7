//! The tables of a silent-rivalry run: `ticks`, `firms` and `events`.
//! Column names, units and meanings here are the reference for docs/outputs.md.

use kyoso_core::silent_rivalry::{Event, Firm, METRICS, Observation, RunOutput};

use crate::table::{Table, Values};

/// The unit of a metric, from the metric documentation.
fn unit_of(metric: &str) -> &'static str {
    METRICS
        .iter()
        .find(|m| m.name == metric)
        .map_or("", |m| m.unit)
}

/// `ticks`: one row per tick, metric and group (tidy long format).
pub fn ticks(run: &RunOutput) -> Table {
    ticks_of(&run.observations)
}

/// [`ticks`] of any observations (one tick's, as a stepped simulation has them).
pub fn ticks_of(o: &[Observation]) -> Table {
    Table::new("ticks")
        .column("tick", "month", "tick index, 0-based; the row describes the state at the end of the tick", Values::U32(o.iter().map(|x| x.tick).collect()))
        .column("metric", "", "metric name (see the metric table)", Values::Str(o.iter().map(|x| x.metric.to_string()).collect()))
        .column("group_by", "", "grouping of the row: all, origin, strategy, origin_strategy, scope, cause, outside", Values::Str(o.iter().map(|x| x.group_by.to_string()).collect()))
        .column("group", "", "the group's value, e.g. JP, calibrated, JP/calibrated, in_group, friction; `all` for totals", Values::Str(o.iter().map(|x| x.group.clone()).collect()))
        .column("value", "see unit", "the measured value; null when the tick has no data for it (a mean over no firm or encounter)", Values::OptF64(o.iter().map(|x| (!x.value.is_nan()).then_some(x.value)).collect()))
        .column("unit", "", "unit of value", Values::Str(o.iter().map(|x| unit_of(x.metric).to_string()).collect()))
}

/// `firms`: one row per firm that ever existed.
pub fn firms(run: &RunOutput) -> Table {
    firms_of(&run.firms, &run.origin_names)
}

/// [`firms`] of a firm table (a running simulation's state).
pub fn firms_of(f: &[Firm], names: &[String]) -> Table {
    let f64s = |g: &dyn Fn(&kyoso_core::silent_rivalry::Firm) -> f64| {
        Values::F64(f.iter().map(g).collect())
    };
    let u32s = |g: &dyn Fn(&kyoso_core::silent_rivalry::Firm) -> u32| {
        Values::U32(f.iter().map(g).collect())
    };
    Table::new("firms")
        .column(
            "firm",
            "id",
            "firm id; ids are never reused",
            u32s(&|x| x.id),
        )
        .column(
            "origin",
            "",
            "origin tag, e.g. JP, LOCAL",
            Values::Str(f.iter().map(|x| names[x.origin as usize].clone()).collect()),
        )
        .column(
            "segment",
            "index",
            "product segment, 0-based; firms of one segment are direct rivals",
            u32s(&|x| x.segment as u32),
        )
        .column(
            "strategy_initial",
            "",
            "strategy at entry",
            Values::Str(
                f.iter()
                    .map(|x| x.initial_strategy.name().to_string())
                    .collect(),
            ),
        )
        .column(
            "strategy_final",
            "",
            "strategy at exit or at the end of the run",
            Values::Str(f.iter().map(|x| x.strategy.name().to_string()).collect()),
        )
        .column(
            "horizon",
            "",
            "long or short time horizon",
            Values::Str(f.iter().map(|x| x.horizon.name().to_string()).collect()),
        )
        .column(
            "discount",
            "per month",
            "discount factor delta of the horizon",
            f64s(&|x| x.discount),
        )
        .column(
            "rd_intensity",
            "fraction of revenue",
            "R&D intensity rho of the horizon",
            f64s(&|x| x.rd_intensity),
        )
        .column(
            "culture_1",
            "[0,1]",
            "first corporate-culture coordinate",
            f64s(&|x| x.culture[0]),
        )
        .column(
            "culture_2",
            "[0,1]",
            "second corporate-culture coordinate",
            f64s(&|x| x.culture[1]),
        )
        .column(
            "culture_3",
            "[0,1]",
            "third corporate-culture coordinate",
            f64s(&|x| x.culture[2]),
        )
        .column(
            "entry_tick",
            "month",
            "tick of entry (0 for initial firms)",
            u32s(&|x| x.entry_tick),
        )
        .column(
            "exit_tick",
            "month",
            "tick of exit; empty if the firm survived",
            Values::OptU32(f.iter().map(|x| x.exit_tick).collect()),
        )
        .column(
            "alive",
            "",
            "true if the firm is in the market at the end",
            Values::Bool(f.iter().map(|x| x.alive()).collect()),
        )
        .column(
            "capability_initial",
            "utility units",
            "capability q at entry",
            f64s(&|x| x.initial_capability),
        )
        .column(
            "capability_final",
            "utility units",
            "capability q at exit or end",
            f64s(&|x| x.capability),
        )
        .column(
            "cash_final",
            "money",
            "cash at exit or end",
            f64s(&|x| x.cash),
        )
        .column(
            "share_final",
            "fraction of segment demand",
            "market share at the end (0 after exit)",
            f64s(&|x| x.share),
        )
        .column(
            "share_peak",
            "fraction of segment demand",
            "highest market share reached",
            f64s(&|x| x.peak_share),
        )
        .column(
            "total_profit",
            "money",
            "profit summed over the firm's life",
            f64s(&|x| x.total_profit),
        )
        .column(
            "innovations",
            "count",
            "successful innovations",
            u32s(&|x| x.innovations),
        )
        .column(
            "shares_given",
            "count",
            "encounters in which the firm shared",
            u32s(&|x| x.shares_given),
        )
        .column(
            "withholds",
            "count",
            "encounters in which the firm withheld",
            u32s(&|x| x.withholds),
        )
        .column(
            "partnerships_formed",
            "count",
            "partnerships the firm entered",
            u32s(&|x| x.partnerships_formed),
        )
        .column(
            "strategy_switches",
            "count",
            "times the firm adopted another strategy",
            u32s(&|x| x.strategy_switches),
        )
        .column(
            "firms_met",
            "count",
            "distinct firms the firm has a trust entry for",
            u32s(&|x| x.firms_met),
        )
}

/// `events`: one row per event, in order.
pub fn events(run: &RunOutput) -> Table {
    events_of(&run.events)
}

/// [`events`] of an event log.
pub fn events_of(e: &[Event]) -> Table {
    Table::new("events")
        .column("tick", "month", "tick of the event", Values::U32(e.iter().map(|x| x.tick).collect()))
        .column("kind", "", "entry, exit, partnership_formed, partnership_dissolved, innovation, betrayal_detected, strategy_switch, withholding_detected", Values::Str(e.iter().map(|x| x.kind.name().to_string()).collect()))
        .column("firm", "id", "the firm concerned (for partnerships the lower id; for betrayal the victim; for withholding_detected the firm that withheld)", Values::U32(e.iter().map(|x| x.firm).collect()))
        .column("other", "id", "the other firm (partner, betrayer, firm copied, the firm that saw a withholding); null if none", Values::OptU32(e.iter().map(|x| x.other).collect()))
        .column("detail", "", "entry: initial or the entrant's strategy; exit: negative_cash; dissolved: cause (friction, betrayal, exit); strategy_switch: old->new; withholding_detected: seen; null for the other kinds", Values::OptStr(e.iter().map(|x| (!x.detail.is_empty()).then(|| x.detail.to_string())).collect()))
        .column("value", "see kind", "exit: cash (money); partnership_formed: cultural distance [0,1]; partnership_dissolved: duration (months); innovation: capability gained (utility units); strategy_switch: profit difference (money); empty otherwise", Values::OptF64(e.iter().map(|x| x.value).collect()))
}

/// `firm_ticks`: one row per firm in the market at the end of a recorded
/// tick (`kyoso run --firm-ticks`), by tick then firm id.
pub fn firm_ticks(rows: &kyoso_core::silent_rivalry::FirmTicks) -> Table {
    let n = rows.len();
    let i64s = |v: &[u32]| Values::I64(v.iter().map(|&x| i64::from(x)).collect());
    Table::new("firm_ticks")
        .column("tick", "month", "tick index, 0-based; the row describes the firm at the end of the tick", Values::I64(vec![i64::from(rows.tick); n]))
        .column("firm", "", "firm id (joins firms.parquet's `firm`)", i64s(&rows.firm))
        .column("strategy", "", "strategy held during the month, the one its profit was earned under (a switch by the month's adaptation shows from the next month)", Values::Str(rows.strategy.iter().map(|s| s.name().to_string()).collect()))
        .column("share", "fraction of segment demand", "market share in its segment at the end of the tick", Values::F64(rows.share.clone()))
        .column("capability", "utility units", "capability (product quality) at the end of the tick", Values::F64(rows.capability.clone()))
        .column("cash", "money", "cash at the end of the tick, after the month's profit", Values::F64(rows.cash.clone()))
        .column("profit", "money per month", "the month's profit: sales margin + sharing benefit + partnership value − R&D − fixed cost; 0 for a firm that entered this tick", Values::F64(rows.profit.clone()))
        .column("rd", "money per month", "the month's R&D spend; 0 for a firm that entered this tick", Values::F64(rows.rd.clone()))
        .column("partners", "partnerships", "active partnerships at the end of the tick", i64s(&rows.partners))
        .column("trust_in_group", "trust (probability)", "mean trust the firm held, when deciding, in the firms of its own origin it met since the previous recorded tick; null when it met none", Values::OptF64(rows.trust_in_group.clone()))
        .column("trust_out_group", "trust (probability)", "the same for firms of other origins; null when it met none", Values::OptF64(rows.trust_out_group.clone()))
        .column("intel_edge", "intel units", "intel edge I_i in the firm's attraction this month: intel held on same-segment rivals, weighted by their shares; 0 for a firm that entered this tick", Values::F64(rows.intel_edge.clone()))
}

/// `partnerships`: one row per partnership formed so far, in formation
/// order (the Python package's `Simulation.partnerships()`; no file holds it).
pub fn partnerships(partnerships: &[kyoso_core::silent_rivalry::Partnership]) -> Table {
    let p = partnerships;
    Table::new("partnerships")
        .column(
            "partnership",
            "id",
            "partnership id, 0-based, in formation order",
            Values::U32(p.iter().map(|x| x.id).collect()),
        )
        .column(
            "firm_a",
            "id",
            "the partner with the lower firm id",
            Values::U32(p.iter().map(|x| x.a).collect()),
        )
        .column(
            "firm_b",
            "id",
            "the partner with the higher firm id",
            Values::U32(p.iter().map(|x| x.b).collect()),
        )
        .column(
            "formed_tick",
            "month",
            "tick the partnership formed",
            Values::U32(p.iter().map(|x| x.formed_tick).collect()),
        )
        .column(
            "distance",
            "fraction",
            "cultural distance d of the partners, in [0, 1]",
            Values::F64(p.iter().map(|x| x.distance).collect()),
        )
        .column(
            "horizon_gap",
            "discount factor",
            "|δ_a − δ_b|, the partners' horizon mismatch",
            Values::F64(p.iter().map(|x| x.horizon_gap).collect()),
        )
        .column(
            "friction",
            "friction units",
            "friction F accumulated so far",
            Values::F64(p.iter().map(|x| x.friction).collect()),
        )
        .column(
            "ended_tick",
            "month",
            "tick the partnership ended; null while active",
            Values::OptU32(p.iter().map(|x| x.ended.map(|e| e.0)).collect()),
        )
        .column(
            "cause",
            "",
            "why it ended: friction, betrayal or exit; null while active",
            Values::OptStr(
                p.iter()
                    .map(|x| x.ended.map(|e| e.1.name().to_string()))
                    .collect(),
            ),
        )
}
