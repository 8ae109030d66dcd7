//! Statistical tests of the sanity patterns of spec section 12 and of the
//! mechanisms' intended effects, over 20 seeds of the default scenario.
//! Tolerances: a pattern "holds on average" when the mean over seeds
//! exceeds zero by more than two standard errors.

use kyoso_core::ScenarioBuilder;
use kyoso_core::silent_rivalry::{RunOutput, Summary, run_scenario};

const SEEDS: u64 = 20;

fn runs(overrides: &[&str]) -> Vec<RunOutput> {
    (0..SEEDS)
        .map(|seed| {
            let mut b = ScenarioBuilder::new().seed(1000 + seed);
            for o in overrides {
                b = b.set(o).unwrap();
            }
            run_scenario(&b.build().unwrap(), |_, _| {}, || false)
                .unwrap()
                .unwrap()
        })
        .collect()
}

fn stats(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn positive(label: &str, xs: &[f64]) {
    let (mean, se) = stats(xs);
    assert!(
        mean - 2.0 * se > 0.0,
        "{label}: mean {mean:.4}, standard error {se:.4}: not positive"
    );
}

fn summaries(r: &[RunOutput]) -> Vec<&Summary> {
    r.iter().map(|r| &r.summary).collect()
}

#[test]
fn default_run_shows_the_sanity_patterns_of_section_12() {
    let r = runs(&[]);
    let s = summaries(&r);
    // Some but not all firms exit.
    let exits: Vec<f64> = s.iter().map(|x| x.exits as f64).collect();
    positive("exits", &exits);
    assert!(s.iter().all(|x| x.firms_alive > 0), "a run lost every firm");
    let exit_share = s
        .iter()
        .map(|x| x.exits as f64 / x.firms_ever as f64)
        .sum::<f64>()
        / SEEDS as f64;
    assert!(exit_share < 0.6, "mean exit share {exit_share}");
    // Partnerships form and some dissolve for each cause.
    positive(
        "partnerships formed",
        &s.iter()
            .map(|x| x.partnerships_formed as f64)
            .collect::<Vec<_>>(),
    );
    for cause in ["friction", "betrayal", "exit"] {
        let d: Vec<f64> = s
            .iter()
            .map(|x| x.partnerships_dissolved_by_cause[cause] as f64)
            .collect();
        assert!(
            d.iter().sum::<f64>() > 0.0,
            "no partnership dissolved by {cause} in {SEEDS} seeds"
        );
        if cause != "exit" {
            positive(&format!("dissolved by {cause}"), &d);
        }
    }
    // Innovation and imitation both occur.
    positive(
        "innovations",
        &s.iter().map(|x| x.innovations as f64).collect::<Vec<_>>(),
    );
    positive(
        "imitation gain",
        &s.iter().map(|x| x.imitation_gain).collect::<Vec<_>>(),
    );
    // Naive in-group firms show a positive expectation gap.
    positive(
        "naive in-group expectation gap",
        &s.iter()
            .map(|x| x.expectation_gap_naive_ingroup.expect("naive firms exist"))
            .collect::<Vec<_>>(),
    );
    // Industry capability rises.
    positive(
        "capability growth",
        &s.iter()
            .map(|x| x.capability_mean_final - x.capability_mean_initial)
            .collect::<Vec<_>>(),
    );
}

/// Mean over seeds of a summary field, for paired comparisons.
fn mean_of(r: &[RunOutput], f: impl Fn(&Summary) -> f64) -> Vec<f64> {
    r.iter().map(|x| f(&x.summary)).collect()
}

#[test]
fn low_detection_keeps_trust_inflated() {
    // C3: the veneer. Same seeds, detection 0.05 vs 0.9: the naive firms' gap is larger when little is seen.
    let low = mean_of(&runs(&["encounters.detect=0.05"]), |s| {
        s.expectation_gap_naive_ingroup.expect("naive firms exist")
    });
    let high = mean_of(&runs(&["encounters.detect=0.9"]), |s| {
        s.expectation_gap_naive_ingroup.expect("naive firms exist")
    });
    let diff: Vec<f64> = low.iter().zip(&high).map(|(a, b)| a - b).collect();
    positive("gap(detect 0.05) - gap(detect 0.9)", &diff);
}

/// One run of the default scenario (seed 7, 48 ticks) with `settings`.
fn one_run(settings: &[&str]) -> RunOutput {
    let mut b = ScenarioBuilder::new().seed(7).ticks(48);
    for x in settings {
        b = b.set(x).unwrap();
    }
    run_scenario(&b.build().unwrap(), |_, _| {}, || false)
        .unwrap()
        .unwrap()
}

/// The values of one metric (group `all` unless given), tick by tick.
fn series(r: &RunOutput, metric: &str, group: &str) -> Vec<f64> {
    r.observations
        .iter()
        .filter(|o| o.metric == metric && o.group == group)
        .map(|o| o.value)
        .collect()
}

/// Off means neutral, as docs/model.md §8 defines each switch's off state:
/// where it says "off: parameter = x", the run equals the run with the
/// switch on and the parameter set to x, output for output; where it says
/// "no X", no X ever happens.
#[test]
fn switched_off_mechanisms_are_neutral_as_documented() {
    let base = one_run(&[]);
    let b = &base.summary;
    assert!(b.partnerships_formed > 0 && b.innovations > 0 && b.entries > 0);
    // "off: p = value" switches: the same run as setting the value.
    for (off, equivalent) in [
        ("mechanisms.trust_decay=false", &["trust.decay=1.0"][..]),
        (
            "mechanisms.exploration=false",
            &["encounters.explore=0.0"][..],
        ),
        (
            "mechanisms.escape_competition=false",
            &["innovation.escape_pressure=0.0"][..],
        ),
        ("mechanisms.inertia=false", &["market.stickiness=0.0"][..]),
        (
            "mechanisms.demand_growth=false",
            &["market.demand_growth=0.0"][..],
        ),
        (
            "mechanisms.local_growth=false",
            &["market.local_growth=0.0"][..],
        ),
        (
            "mechanisms.in_group_prior=false",
            &[
                "trust.naive_ingroup.in_group_prior=0.5",
                "trust.calibrated.in_group_prior=0.5",
                "trust.reciprocal.in_group_prior=0.5",
                "trust.open.in_group_prior=0.5",
                "trust.guarded.in_group_prior=0.5",
                "trust.opportunist.in_group_prior=0.5",
            ][..],
        ),
        // γ = 0, and intel from sharing no longer stored: no output shows it.
        (
            "mechanisms.intel_edge=false",
            &["market.gamma_intel=0.0"][..],
        ),
    ] {
        let (a, b) = (one_run(&[off]), one_run(equivalent));
        assert_eq!(a.summary, b.summary, "{off} is not {equivalent:?}");
        assert_eq!(
            a.observations, b.observations,
            "{off} is not {equivalent:?}"
        );
        assert_eq!(a.events, b.events, "{off} is not {equivalent:?}");
        assert_ne!(a.summary, base.summary, "{off} changed nothing");
    }
    // Demand stays D0 and u0 stays u0(0).
    let flat = one_run(&[
        "mechanisms.demand_growth=false",
        "mechanisms.local_growth=false",
    ]);
    assert!(series(&flat, "demand", "all").iter().all(|&d| d == 100.0));
    assert!(
        series(&flat, "outside_option", "all")
            .iter()
            .all(|&u| u == 1.5)
    );

    // Partnerships off: no formation, value, friction or leaks.
    let r = one_run(&["mechanisms.partnerships=false"]);
    assert!(r.partnerships.is_empty());
    assert_eq!(r.summary.partnerships_formed, 0);
    assert!(series(&r, "leaks", "all").iter().all(|&x| x == 0.0));
    assert!(
        r.firms
            .iter()
            .all(|f| f.ledger.partnership == 0.0 && f.partnerships_formed == 0)
    );

    // Sharing off: no encounters, so no trust updates, shares, intel or partnerships.
    let r = one_run(&["mechanisms.sharing=false"]);
    for scope in ["in_group", "out_group"] {
        assert!(series(&r, "shares", scope).iter().all(|&x| x == 0.0));
        assert!(series(&r, "withholds", scope).iter().all(|&x| x == 0.0));
    }
    assert!(r.partnerships.is_empty());
    assert!(
        r.firms
            .iter()
            .all(|f| f.firms_met == 0 && f.ledger.sharing == 0.0)
    );

    // Entry off: no entrants; exit off: no exits, even when every firm loses money.
    let r = one_run(&["mechanisms.entry=false"]);
    assert_eq!(r.summary.entries, 0);
    assert!(r.firms.iter().all(|f| f.entry_tick == 0));
    assert!(one_run(&["market.fixed_cost=50"]).summary.exits > 0);
    let r = one_run(&["mechanisms.exit=false", "market.fixed_cost=50"]);
    assert_eq!(r.summary.exits, 0);
    assert!(r.firms.iter().all(|f| f.exit_tick.is_none()));
    assert!(r.firms.iter().any(|f| f.cash < 0.0), "cash may go negative");

    // Adaptation off: strategies never change.
    let r = one_run(&["mechanisms.adaptation=false"]);
    assert!(r.firms.iter().all(|f| f.strategy == f.initial_strategy));
    assert_eq!(r.summary.strategy_switches, 0);

    // Imitation off: no imitation gain; innovation off: no innovation successes.
    assert!(
        series(
            &one_run(&["mechanisms.imitation=false"]),
            "imitation_gain",
            "all"
        )
        .iter()
        .all(|&x| x == 0.0)
    );
    let r = one_run(&["mechanisms.innovation=false"]);
    assert_eq!(r.summary.innovations, 0);
    assert!(r.firms.iter().all(|f| f.innovations == 0));

    // Veneer off: p_detect = 1 and nothing is hidden (each withholding
    // seen: see the next test). Every leak is detected, so every
    // partnership with a leak ends in a betrayal the same tick: at most two
    // leaks (one per opportunist partner) per betrayal, at least one.
    let r = one_run(&[
        "mechanisms.veneer=false",
        "partnerships.leak_probability=0.5",
    ]);
    let (leaks, betrayals) = (
        series(&r, "leaks", "all"),
        series(&r, "betrayals_detected", "all"),
    );
    assert!(leaks.iter().sum::<f64>() > 0.0);
    for (t, (&l, &b)) in leaks.iter().zip(&betrayals).enumerate() {
        assert!(b <= l && l <= 2.0 * b, "tick {t}: {l} leaks, {b} betrayals");
    }
    // With the veneer on, some leaks go unseen.
    let r = one_run(&["partnerships.leak_probability=0.5"]);
    let (l, b) = (
        series(&r, "leaks", "all"),
        series(&r, "betrayals_detected", "all"),
    );
    assert!(l.iter().sum::<f64>() > 2.0 * b.iter().sum::<f64>());
}

/// ARCHITECTURE.md: "off means neutral". With innovation off no R&D is
/// spent (docs/model.md §7.4), so it cannot feed imitation either.
#[test]
fn innovation_off_spends_no_rd() {
    let r = one_run(&["mechanisms.innovation=false"]);
    assert!(series(&r, "rd_spend", "all").iter().all(|&x| x == 0.0));
    let with_imitation_only = one_run(&["mechanisms.innovation=false"]);
    let neither = one_run(&["mechanisms.innovation=false", "mechanisms.imitation=false"]);
    assert_eq!(
        series(&with_imitation_only, "capability_mean", "all"),
        series(&neither, "capability_mean", "all"),
        "R&D of a switched-off innovation still lifts capability through imitation"
    );
}

#[test]
fn calibrated_sharing_follows_overlap_not_origin() {
    // C2: with only calibrated firms, sharing with direct rivals is rare
    // (never, bar nothing: exploration is only for ω < 1) whatever the origin,
    // and sharing across segments happens in- and out-group alike.
    let s = ScenarioBuilder::new()
        .seed(3)
        .ticks(24)
        .set("origins.JP.strategy_mix={calibrated=1.0}")
        .unwrap()
        .set("origins.JP.newcomer_mix={calibrated=1.0}")
        .unwrap()
        .set("origins.LOCAL.strategy_mix={calibrated=1.0}")
        .unwrap()
        .set("origins.LOCAL.newcomer_mix={calibrated=1.0}")
        .unwrap()
        .set("origins.OTHER.strategy_mix={calibrated=1.0}")
        .unwrap()
        .set("origins.OTHER.newcomer_mix={calibrated=1.0}")
        .unwrap()
        .build()
        .unwrap();
    let run = run_scenario(&s, |_, _| {}, || false).unwrap().unwrap();
    let rate = |scope: &str| {
        let get = |m: &str| -> f64 {
            run.observations
                .iter()
                .filter(|o| o.metric == m && o.group == scope)
                .map(|o| o.value)
                .sum()
        };
        get("shares") / (get("shares") + get("withholds"))
    };
    let (inside, outside) = (rate("in_group"), rate("out_group"));
    assert!(inside > 0.0 && outside > 0.0);
    assert!(
        (inside - outside).abs() < 0.1,
        "in-group {inside:.3} vs out-group {outside:.3}"
    );
    // Direct rivals never get a share from calibrated firms: no intel
    // (kept for same-segment shares only) is ever gained.
    let mut sim = kyoso_core::Simulation::new(&s).unwrap();
    sim.run(|sim| {
        assert!(
            sim.intel_pieces().iter().all(Vec::is_empty),
            "a calibrated firm shared with a direct rival"
        )
    });
}

/// The live view's log of seen withholdings: with the veneer off every
/// withholding is seen, so each tick's list is as long as the tick's
/// WITHHOLD count; with it on, only a part is; with observations off, none.
#[test]
fn seen_withholdings_are_the_withholdings_the_veneer_did_not_hide() {
    use kyoso_core::{ScenarioBuilder, Simulation};
    let count = |veneer: bool| {
        let s = ScenarioBuilder::new()
            .set(&format!("mechanisms.veneer={veneer}"))
            .unwrap()
            .ticks(24)
            .build()
            .unwrap();
        let mut sim = Simulation::new(&s).unwrap();
        let (mut seen, mut withheld) = (0usize, 0.0);
        while !sim.is_done() {
            sim.step();
            for &(w, o) in sim.withholdings_detected() {
                assert_ne!(w, o);
                assert!(sim.firms()[w as usize].entry_tick <= sim.ticks_done());
            }
            let tick_withheld: f64 = sim
                .observations()
                .iter()
                .filter(|o| o.metric == "withholds")
                .map(|o| o.value)
                .sum();
            if !veneer {
                assert_eq!(sim.withholdings_detected().len() as f64, tick_withheld);
            }
            seen += sim.withholdings_detected().len();
            withheld += tick_withheld;
        }
        (seen, withheld)
    };
    let (seen_off, withheld_off) = count(false);
    assert!(seen_off > 100 && seen_off as f64 == withheld_off);
    let (seen_on, withheld_on) = count(true);
    assert!(
        seen_on > 0 && (seen_on as f64) < 0.6 * withheld_on,
        "{seen_on} of {withheld_on}"
    );

    let s = ScenarioBuilder::new().ticks(5).build().unwrap();
    let mut quiet = Simulation::new(&s).unwrap().without_observations();
    quiet.step();
    assert!(quiet.withholdings_detected().is_empty());
}

/// `active_partnerships` is every partnership not ended, each tick.
#[test]
fn active_partnerships_are_those_not_ended() {
    use kyoso_core::{ScenarioBuilder, Simulation};
    let s = ScenarioBuilder::new().ticks(60).build().unwrap();
    let mut sim = Simulation::new(&s).unwrap();
    let mut seen_any = false;
    while !sim.is_done() {
        sim.step();
        let mut fast: Vec<u32> = sim.active_partnerships().map(|p| p.id).collect();
        fast.sort_unstable();
        let slow: Vec<u32> = sim
            .partnerships()
            .iter()
            .filter(|p| p.ended.is_none())
            .map(|p| p.id)
            .collect();
        assert_eq!(fast, slow, "tick {}", sim.ticks_done());
        seen_any |= !fast.is_empty();
    }
    assert!(seen_any);
}
