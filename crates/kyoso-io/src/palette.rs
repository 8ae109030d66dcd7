//! One colour per concept, shared by the reports (`kyoso report`, experiment
//! and exploration reports) and the live view (`kyoso serve` sends these to
//! the page), so JP is the same red everywhere and a strategy keeps its
//! colour from one figure to the next.
//!
//! Hue carries the concept that a chart is about: origins in market-share
//! figures, strategies in strategy figures, causes in partnership figures.
//! Colours are Tableau 10 hex strings.

/// Origins by index (the scenario's origins in name order: JP, LOCAL in the
/// default market, so JP is red and LOCAL blue).
pub const ORIGINS: [&str; 10] = [
    "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
    "#17becf", "#7f7f7f",
];

/// The outside option (demand that goes to no firm), drawn dashed.
pub const OUTSIDE: &str = "#555555";

/// A total or the whole market ("all firms"), beside groups.
pub const ALL: &str = "#222222";

/// Strategies, by the names of scenarios and outputs.
pub const STRATEGIES: [(&str, &str); 6] = [
    ("naive_ingroup", "#ff7f0e"),
    ("calibrated", "#2ca02c"),
    ("reciprocal", "#1f77b4"),
    ("open", "#17becf"),
    ("guarded", "#8c564b"),
    ("opportunist", "#9467bd"),
];

/// Why partnerships dissolve.
pub const CAUSES: [(&str, &str); 3] = [
    ("friction", "#ff7f0e"),
    ("betrayal", "#d62728"),
    ("exit", "#7f7f7f"),
];

/// Active partnerships.
pub const PARTNERSHIPS: &str = "#1f77b4";

/// The colour of origin `k` (cycling after ten).
pub fn origin(k: usize) -> &'static str {
    ORIGINS[k % ORIGINS.len()]
}

/// The colour of a strategy, by name.
pub fn strategy(name: &str) -> Option<&'static str> {
    STRATEGIES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// The colour of a dissolution cause, by name.
pub fn cause(name: &str) -> Option<&'static str> {
    CAUSES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// `#rrggbb` as (r, g, b); black for anything else.
pub fn rgb(hex: &str) -> (u8, u8, u8) {
    let h = hex.strip_prefix('#').unwrap_or(hex);
    let byte = |i: usize| {
        h.get(i..i + 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .unwrap_or(0)
    };
    if h.len() == 6 {
        (byte(0), byte(2), byte(4))
    } else {
        (0, 0, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strategy_and_cause_has_its_own_colour() {
        for s in kyoso_core::silent_rivalry::Strategy::ALL {
            assert!(strategy(s.name()).is_some(), "{} has no colour", s.name());
        }
        for c in kyoso_core::silent_rivalry::partnership::Cause::ALL {
            assert!(cause(c.name()).is_some(), "{} has no colour", c.name());
        }
        let mut s: Vec<_> = STRATEGIES.iter().map(|x| x.1).collect();
        s.sort();
        s.dedup();
        assert_eq!(s.len(), STRATEGIES.len(), "two strategies share a colour");
        assert_eq!(rgb("#d62728"), (214, 39, 40));
        assert_eq!(rgb("bad"), (0, 0, 0));
        assert_ne!(origin(0), origin(1));
        assert!(!ORIGINS.contains(&OUTSIDE));
    }
}
