//! Finiteness over the whole valid parameter space: random valid scenarios
//! whose parameters are drawn across each one's allowed range (both
//! endpoints, uniform and log-uniform in between), every mechanism switch
//! at random, and run lengths up to the demand ceiling. Every run must end
//! without a panic and with every output finite: each tick's metrics, every
//! firm field, every partnership, event value, trust belief and intel
//! piece, and every summary figure. (Outputs documented as missing are
//! `None`: an event without a value, a firm's exit tick.)
//!
//! Runs are kept small (at most 12 firms per origin, a bounded number of
//! encounters) so the debug build, whose integer overflow checks are on,
//! runs them in seconds; `long_horizons_stay_finite` runs few firms for
//! thousands of ticks.

use std::collections::BTreeMap;

use kyoso_core::scenario::{MAX_DEMAND, MIN_PRIOR_WEIGHT, OriginConfig, Scenario};
use kyoso_core::silent_rivalry::population::apportion;
use kyoso_core::silent_rivalry::{
    RunOutput, Strategy as FirmStrategy, observation_may_be_missing, run_scenario,
};
use proptest::prelude::*;

/// One draw of a parameter: which kind of value (lower end, upper end,
/// uniform, log-uniform) and a uniform number in [0, 1].
type Pick = (u8, f64);

/// A value of [lo, hi] as `pick` says: 0 the lower end, 1 the upper end,
/// 2 uniform, 3 log-uniform (over [max(lo, hi·1e-9), hi] when lo ≥ 0, so
/// small values of wide ranges are visited too).
fn value(lo: f64, hi: f64, (kind, u): Pick) -> f64 {
    let x = match kind % 4 {
        0 => lo,
        1 => hi,
        2 => lo + u * (hi - lo),
        _ if lo >= 0.0 && hi > 0.0 => {
            let a = lo.max(hi * 1e-9).ln();
            (a + u * (hi.ln() - a)).exp()
        }
        _ => lo + u * u * (hi - lo),
    };
    x.clamp(lo, hi)
}

/// An integer of [lo, hi], the same way.
fn int(lo: u32, hi: u32, pick: Pick) -> u32 {
    value(lo as f64, hi as f64, pick).round() as u32
}

/// A strategy mix with some strategies at weight 0, summing to 1 or to
/// one end of validation's tolerance (1 ± 1e-6).
fn mix() -> impl Strategy<Value = BTreeMap<String, f64>> {
    (
        prop::collection::vec(prop_oneof![Just(0.0), 0.0f64..1.0, Just(1.0)], 6),
        prop_oneof![Just(1.0), Just(1.0 - 0.99e-6), Just(1.0 + 0.99e-6)],
    )
        .prop_map(|(mut w, target)| {
            if w.iter().all(|&x| x == 0.0) {
                w[1] = 1.0;
            }
            let total: f64 = w.iter().sum();
            FirmStrategy::ALL
                .iter()
                .zip(&w)
                .filter(|&(_, &x)| x > 0.0)
                .map(|(s, &x)| (s.name().to_string(), (x / total * target).min(1.0)))
                .collect()
        })
}

/// One origin: its initial firms, strategy mix and newcomer mix.
type OriginDraw = (u32, BTreeMap<String, f64>, BTreeMap<String, f64>);

/// The longest run whose demand stays under the ceiling.
fn max_ticks(demand0: f64, growth: f64) -> u32 {
    if growth <= 0.0 {
        return 1_000_000;
    }
    let t = ((MAX_DEMAND / demand0).ln() / growth.ln_1p()).floor();
    let mut t = (t.max(0.0) as u32).saturating_add(1).min(1_000_000);
    // Rounding of the logarithms: step back to the largest valid length.
    let valid = |t: u32| demand0 * (1.0 + growth).powi(t as i32 - 1) <= MAX_DEMAND;
    while t > 1 && !valid(t) {
        t -= 1;
    }
    t
}

/// A scenario from `p` (one pick per parameter), `switches`, origins and
/// a run length; `work` bounds firms × encounters × ticks.
fn build(
    p: &[Pick],
    switches: &[bool],
    origins: &[OriginDraw],
    ticks: u32,
    to_the_ceiling: bool,
    seed: u64,
    work: f64,
) -> Scenario {
    let mut s = Scenario::default();
    let mut k = 0;
    let mut next = || {
        k += 1;
        p[k - 1]
    };
    let m = &mut s.market;
    m.segments = int(1, 1000, next());
    m.omega_cross = value(0.0, 1.0, next());
    m.demand0 = value(f64::MIN_POSITIVE, 1e9, next());
    m.demand_growth = value(-0.5, 0.5, next());
    m.margin = value(0.0, 1e6, next());
    m.fixed_cost = value(0.0, 1e9, next());
    m.beta_quality = value(0.0, 100.0, next());
    m.gamma_intel = value(0.0, 100.0, next());
    m.intel_decay = value(0.0, 1.0, next());
    m.outside_option0 = value(-50.0, 50.0, next());
    m.local_growth = value(-1.0, 1.0, next());
    m.stickiness = value(0.0, 1.0 - f64::EPSILON / 2.0, next());
    let f = &mut s.firms;
    f.initial_cash = value(0.0, 1e12, next());
    f.capability_mean = value(0.0, 100.0, next());
    f.capability_sd = value(0.0, 100.0, next());
    f.culture_sd = value(0.0, 1.0, next());
    let h = &mut s.horizons;
    h.long_discount = value(0.0, 1.0, next());
    h.long_rd_intensity = value(0.0, 1.0, next());
    h.short_discount = value(0.0, 1.0, next());
    h.short_rd_intensity = value(0.0, 1.0, next());
    s.trust.decay = value(0.0, 1.0, next());
    for prior in [
        &mut s.trust.naive_ingroup,
        &mut s.trust.calibrated,
        &mut s.trust.reciprocal,
        &mut s.trust.open,
        &mut s.trust.guarded,
        &mut s.trust.opportunist,
    ] {
        prior.in_group_prior = value(0.0, 1.0, next());
        prior.out_group_prior = value(0.0, 1.0, next());
        prior.prior_weight = value(MIN_PRIOR_WEIGHT, 1e6, next());
    }
    let e = &mut s.encounters;
    e.per_tick = int(0, 1000, next());
    e.homophily = value(0.0, 1.0, next());
    e.benefit = value(0.0, 1e6, next());
    e.leakage = value(0.0, 1e6, next());
    e.share_margin = value(-1e6, 1e6, next());
    e.explore = value(0.0, 1.0, next());
    e.detect = value(0.0, 1.0, next());
    let q = &mut s.partnerships;
    q.trust_threshold = value(0.0, 1.0, next());
    q.max_overlap = value(0.0, 1.0, next());
    q.max_partners = int(0, 255, next());
    q.form_probability = value(0.0, 1.0, next());
    q.value = value(0.0, 1e6, next());
    q.culture_penalty = value(0.0, 1.0, next());
    q.friction_culture = value(0.0, 1e3, next());
    q.friction_horizon = value(0.0, 1e3, next());
    q.hazard_base = value(0.0, 1.0, next());
    q.hazard_friction = value(0.0, 1e3, next());
    q.leak_probability = value(0.0, 1.0, next());
    q.leak_intel = value(0.0, 1e3, next());
    q.betrayal_penalty = value(0.0, 1e6, next());
    let i = &mut s.innovation;
    i.escape_pressure = value(0.0, 100.0, next());
    i.pressure_band = value(0.0, 100.0, next());
    i.success_scale = value(0.0, 100.0, next());
    i.step = value(0.0, 100.0, next());
    i.step_sd = value(0.0, 10.0, next());
    i.imitation = value(0.0, 1.0, next());
    i.imitation_info = value(0.0, 1.0, next());
    i.absorptive_half = value(f64::MIN_POSITIVE, 1e6, next());
    let pop = &mut s.population;
    pop.entry_rate = value(0.0, 1e4, next());
    pop.adapt_every = int(1, 1_000_000, next());
    pop.adapt_probability = value(0.0, 1.0, next());
    pop.selection_scale = value(f64::MIN_POSITIVE, 1e9, next());
    let mech = &mut s.mechanisms;
    let flags = [
        &mut mech.in_group_prior,
        &mut mech.trust_decay,
        &mut mech.sharing,
        &mut mech.veneer,
        &mut mech.exploration,
        &mut mech.partnerships,
        &mut mech.innovation,
        &mut mech.escape_competition,
        &mut mech.imitation,
        &mut mech.intel_edge,
        &mut mech.inertia,
        &mut mech.demand_growth,
        &mut mech.local_growth,
        &mut mech.entry,
        &mut mech.exit,
        &mut mech.adaptation,
    ];
    for (flag, &on) in flags.into_iter().zip(switches) {
        *flag = on;
    }
    let names = ["JP", "KR", "LOCAL"];
    s.origins.clear();
    for (n, (firms, strategy_mix, newcomer_mix)) in origins.iter().enumerate() {
        let mut pick = || value(0.0, 1.0, next());
        let culture = [pick(), pick(), pick()];
        let long_horizon_share = pick();
        let entry_weight = value(0.0, 1e9, next());
        s.origins.insert(
            names[n].to_string(),
            OriginConfig {
                firms: *firms,
                culture,
                long_horizon_share,
                entry_weight,
                strategy_mix: strategy_mix.clone(),
                newcomer_mix: Some(newcomer_mix.clone()),
            },
        );
    }
    if s.origins.values().all(|o| o.entry_weight <= 0.0) {
        s.origins.get_mut("JP").expect("JP is first").entry_weight = 1.0;
    }
    s.population.home_origin = "JP".to_string();
    s.run.seed = seed;
    // The run length: as drawn, or the longest the demand ceiling allows,
    // then cut to the work budget.
    let ceiling = if s.mechanisms.demand_growth {
        max_ticks(s.market.demand0, s.market.demand_growth)
    } else {
        1_000_000
    };
    let mut t = if to_the_ceiling {
        ceiling
    } else {
        ticks.min(ceiling)
    };
    let firms: f64 = origins.iter().map(|o| o.0 as f64).sum::<f64>() + 1.0;
    let entry = if s.mechanisms.entry {
        s.population.entry_rate
    } else {
        0.0
    };
    let per_tick = s.encounters.per_tick.max(1) as f64;
    let segments = s.market.segments as f64;
    // Firms ever grow by `entry` a tick; each tick costs encounters and a
    // pass over segments.
    let cost = |t: f64| (firms + entry * t) * t * per_tick + segments * t;
    while t > 1 && cost(t as f64) > work {
        t /= 2;
    }
    s.run.ticks = t.max(1);
    s
}

/// Every output of a run, checked finite.
fn assert_finite(out: &RunOutput) -> Result<(), TestCaseError> {
    for o in &out.observations {
        // A mean over no firm or encounter is missing (null), never infinite.
        prop_assert!(
            o.value.is_finite() || (o.value.is_nan() && observation_may_be_missing(o.metric)),
            "tick {}: metric {} ({}) is {}",
            o.tick,
            o.metric,
            o.group,
            o.value
        );
    }
    for f in &out.firms {
        let l = &f.ledger;
        let fields = [
            ("capability", f.capability),
            ("initial_capability", f.initial_capability),
            ("cash", f.cash),
            ("share", f.share),
            ("peak_share", f.peak_share),
            ("total_profit", f.total_profit),
            ("profit_since_adapt", f.profit_since_adapt),
            ("last_revenue", f.last_revenue),
            ("rd_intensity", f.rd_intensity),
            ("discount", f.discount),
            ("culture[0]", f.culture[0]),
            ("culture[1]", f.culture[1]),
            ("culture[2]", f.culture[2]),
            ("ledger.sales", l.sales),
            ("ledger.sharing", l.sharing),
            ("ledger.partnership", l.partnership),
            ("ledger.rd", l.rd),
            ("ledger.fixed", l.fixed),
        ];
        for (name, x) in fields {
            prop_assert!(x.is_finite(), "firm {}: {name} is {x}", f.id);
        }
        prop_assert!(
            (0.0..=1.0).contains(&f.share),
            "firm {}: share {}",
            f.id,
            f.share
        );
    }
    for p in &out.partnerships {
        for (name, x) in [
            ("distance", p.distance),
            ("horizon_gap", p.horizon_gap),
            ("friction", p.friction),
        ] {
            prop_assert!(x.is_finite(), "partnership {}: {name} is {x}", p.id);
        }
    }
    for e in &out.events {
        if let Some(v) = e.value {
            prop_assert!(
                v.is_finite(),
                "event {:?} at tick {}: value {v}",
                e.kind,
                e.tick
            );
        }
    }
    for (name, v) in out.summary.metrics() {
        // A rate over a group without firm-months has no value (NaN, null in files).
        let missing =
            v.is_nan() && kyoso_core::silent_rivalry::summary::Summary::may_be_missing(&name);
        prop_assert!(v.is_finite() || missing, "summary {name} is {v}");
    }
    Ok(())
}

/// Runs a scenario (valid by construction) and checks every output,
/// including the trust table and the intel pieces at the end.
fn check(s: &Scenario) -> Result<(), TestCaseError> {
    if let Err(e) = s.validate() {
        return Err(TestCaseError::fail(format!(
            "the generator made an invalid scenario: {e}"
        )));
    }
    let mut sim = kyoso_core::Simulation::new(s).expect("validated");
    sim.run(|sim| {
        for o in sim.observations() {
            assert!(
                o.value.is_finite() || (o.value.is_nan() && observation_may_be_missing(o.metric)),
                "tick {}: metric {} ({}) is {}",
                o.tick,
                o.metric,
                o.group,
                o.value
            );
        }
    });
    for (lo, hi, x, y) in sim.trust_pairs() {
        for t in [
            x.expected(),
            y.expected(),
            sim.trust(lo, hi),
            sim.trust(hi, lo),
        ] {
            prop_assert!(
                t.is_finite() && (0.0..=1.0).contains(&t),
                "trust {t} ({lo}, {hi})"
            );
        }
    }
    for piece in sim.intel_pieces().iter().flatten() {
        prop_assert!(piece.amount.is_finite(), "intel {piece:?}");
    }
    let out = run_scenario(s, |_, _| {}, || false)
        .expect("validated")
        .expect("not cancelled");
    assert_finite(&out)
}

fn origins() -> impl Strategy<Value = Vec<OriginDraw>> {
    prop::collection::vec(
        (prop_oneof![Just(0u32), 1u32..=12, Just(12)], mix(), mix()),
        1..=3,
    )
}

fn picks(n: usize) -> impl Strategy<Value = Vec<Pick>> {
    prop::collection::vec((0u8..4, 0.0f64..=1.0), n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Short and medium runs; one case in four runs to the demand ceiling
    /// (cut to the work budget).
    #[test]
    fn every_output_of_a_valid_scenario_is_finite(
        p in picks(96),
        switches in prop::collection::vec(any::<bool>(), 16),
        origins in origins(),
        ticks in prop_oneof![1u32..=40, 40u32..=600],
        to_the_ceiling in prop::bool::weighted(0.25),
        seed in any::<u64>(),
    ) {
        let s = build(&p, &switches, &origins, ticks, to_the_ceiling, seed, 1.5e4);
        check(&s)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Thousands of ticks with few firms, demand growing up to the ceiling:
    /// where money, capability, friction and trust counts pile up.
    #[test]
    fn long_horizons_stay_finite(
        p in picks(96),
        switches in prop::collection::vec(any::<bool>(), 16),
        origins in prop::collection::vec((1u32..=4, mix(), mix()), 1..=2),
        ticks in 2_000u32..=10_000,
        seed in any::<u64>(),
    ) {
        let mut s = build(&p, &switches, &origins, ticks, true, seed, f64::INFINITY);
        // Few firms for long: little entry, few encounters, few segments.
        s.population.entry_rate = s.population.entry_rate.min(0.02);
        s.encounters.per_tick = s.encounters.per_tick.min(3);
        s.market.segments = s.market.segments.min(3);
        s.market.demand_growth = s.market.demand_growth.abs().max(1e-3);
        s.mechanisms.demand_growth = true;
        s.run.ticks = ticks.min(max_ticks(s.market.demand0, s.market.demand_growth));
        check(&s)?;
    }

    /// The strategy split of an origin of any size (validation allows up
    /// to 10 million firms) counts exactly `n` firms, none of a strategy of
    /// weight 0, for a mix summing anywhere within 1 ± 1e-6.
    #[test]
    fn the_initial_split_is_exact_for_any_origin_size(
        n in prop_oneof![0u32..100, 1_000_000u32..=10_000_000, Just(10_000_000)],
        mix in mix(),
    ) {
        let mut v = [0.0; FirmStrategy::COUNT];
        for (name, share) in &mix {
            v[FirmStrategy::from_name(name).expect("a strategy") as usize] = *share;
        }
        let c = apportion(n, &v);
        prop_assert_eq!(c.iter().map(|&x| u64::from(x)).sum::<u64>(), u64::from(n));
        for k in 0..FirmStrategy::COUNT {
            if v[k] == 0.0 {
                prop_assert_eq!(c[k], 0, "a strategy of weight 0 got firms: {:?}", c);
            }
        }
    }
}
