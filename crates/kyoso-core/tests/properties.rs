//! Property tests over random valid scenarios: invariants that must hold at
//! every tick whatever the parameters.

use std::collections::BTreeMap;

use kyoso_core::scenario::{OriginConfig, Scenario};
use kyoso_core::silent_rivalry::{
    Simulation, Strategy as FirmStrategy, observation_may_be_missing,
};
use proptest::prelude::*;

fn mix() -> impl Strategy<Value = BTreeMap<String, f64>> {
    prop::collection::vec(0.0f64..1.0, 6).prop_map(|w| {
        let total: f64 = w.iter().sum::<f64>() + 1e-9;
        let mut m = BTreeMap::new();
        let mut acc = 0.0;
        for (k, s) in FirmStrategy::ALL.iter().enumerate() {
            let share = if k == 5 { 1.0 - acc } else { w[k] / total };
            acc += share;
            m.insert(s.name().to_string(), share.max(0.0));
        }
        // Re-normalise exactly so the validator accepts the mix.
        let sum: f64 = m.values().sum();
        for v in m.values_mut() {
            *v /= sum;
        }
        m
    })
}

prop_compose! {
    fn scenario()(
        seed in any::<u64>(),
        ticks in 1u32..30,
        segments in 1u32..6,
        firms in prop::collection::vec(0u32..15, 1..4),
        mixes in prop::collection::vec(mix(), 3),
        probs in prop::collection::vec(0.0f64..=1.0, 8),
        switches in prop::collection::vec(any::<bool>(), 16),
        gamma in 0.0f64..5.0,
        entry_rate in 0.0f64..3.0,
        fixed_cost in 0.0f64..10.0,
        stickiness in 0.0f64..0.99,
    ) -> Scenario {
        let mut s = Scenario::default();
        s.run.seed = seed;
        s.run.ticks = ticks;
        s.market.segments = segments;
        s.market.gamma_intel = gamma;
        s.market.fixed_cost = fixed_cost;
        s.market.stickiness = stickiness;
        s.market.omega_cross = probs[0];
        s.encounters.homophily = probs[1];
        s.encounters.detect = probs[2];
        s.encounters.explore = probs[3];
        s.partnerships.form_probability = probs[4];
        s.partnerships.trust_threshold = probs[5];
        s.partnerships.leak_probability = probs[6];
        s.population.adapt_probability = probs[7];
        s.population.entry_rate = entry_rate;
        s.population.adapt_every = 1 + (seed % 12) as u32;
        let m = &mut s.mechanisms;
        let flags = [
            &mut m.in_group_prior, &mut m.trust_decay, &mut m.sharing, &mut m.veneer,
            &mut m.exploration, &mut m.partnerships, &mut m.innovation, &mut m.escape_competition,
            &mut m.imitation, &mut m.intel_edge, &mut m.inertia, &mut m.demand_growth,
            &mut m.local_growth, &mut m.entry, &mut m.exit, &mut m.adaptation,
        ];
        for (flag, on) in flags.into_iter().zip(&switches) {
            *flag = *on;
        }
        let names = ["JP", "KR", "LOCAL"];
        s.origins.clear();
        for (k, &n) in firms.iter().enumerate() {
            s.origins.insert(names[k].to_string(), OriginConfig {
                firms: n,
                culture: [probs[k], probs[k + 1], probs[k + 2]],
                long_horizon_share: probs[k + 3],
                entry_weight: 1.0,
                strategy_mix: mixes[k].clone(),
                newcomer_mix: Some(mixes[(k + 1) % 3].clone()),
            });
        }
        s.population.home_origin = "JP".to_string();
        s
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_at_every_tick(s in scenario()) {
        let mut sim = Simulation::new(&s).expect("generated scenarios are valid");
        let mut firms_before = sim.firms().len();
        while !sim.is_done() {
            let cash_before: Vec<f64> = sim.firms().iter().map(|f| f.cash).collect();
            let alive_before: Vec<u32> = sim.alive().to_vec();
            sim.step();
            let firms = sim.firms();
            // Ids are dense, never reused: the table only grows and id == index.
            prop_assert!(firms.len() >= firms_before);
            firms_before = firms.len();
            for (k, f) in firms.iter().enumerate() {
                prop_assert_eq!(f.id as usize, k);
                for x in [f.capability, f.cash, f.share, f.total_profit, f.last_revenue] {
                    prop_assert!(x.is_finite(), "non-finite value in firm {}", f.id);
                }
                prop_assert!((0.0..=1.0).contains(&f.share), "share {} out of [0,1]", f.share);
                prop_assert!(f.capability >= 0.0);
            }
            // Cash changes by exactly the recorded profit, for every firm that was in the market.
            for &id in &alive_before {
                let f = &firms[id as usize];
                let delta = f.cash - cash_before[id as usize];
                prop_assert!((delta - sim.last_profit(id)).abs() <= 1e-9 * (1.0 + delta.abs()), "firm {id}: cash moved {delta}, profit {}", sim.last_profit(id));
            }
            // Shares and the outside option sum to 1 in every segment.
            let mut totals = sim.outside_shares().to_vec();
            for f in firms.iter().filter(|f| f.alive()) {
                totals[f.segment as usize] += f.share;
            }
            for (seg, t) in totals.iter().enumerate() {
                prop_assert!((t - 1.0).abs() < 1e-9, "segment {seg} shares sum to {t}");
            }
            for piece in sim.intel_pieces().iter().flatten() {
                prop_assert!(piece.amount.is_finite() && piece.amount > 0.0);
                let (h, a) = (&firms[piece.holder as usize], &firms[piece.about as usize]);
                prop_assert!(h.segment == a.segment && piece.holder != piece.about, "intel across segments or about oneself");
            }
            for o in sim.observations() {
                prop_assert!(
                    o.value.is_finite()
                        || (o.value.is_nan() && observation_may_be_missing(o.metric)),
                    "metric {} {} is {}",
                    o.metric,
                    o.group,
                    o.value
                );
            }
        }
        for (lo, hi, x, y) in sim.trust_pairs() {
            prop_assert!(lo < hi && (hi as usize) < sim.firms().len());
            for t in [x.expected(), y.expected(), sim.trust(lo, hi), sim.trust(hi, lo)] {
                prop_assert!(t.is_finite() && (0.0..=1.0).contains(&t), "trust {t}");
            }
        }
        // Partnerships link existing, distinct firms, and active ones only alive firms.
        for p in sim.partnerships() {
            prop_assert!(p.a < p.b && (p.b as usize) < sim.firms().len());
            if p.ended.is_none() {
                prop_assert!(sim.firms()[p.a as usize].alive() && sim.firms()[p.b as usize].alive());
            }
        }
    }

    #[test]
    fn summary_totals_agree_with_the_observations(s in scenario()) {
        let out = kyoso_core::silent_rivalry::run_scenario(&s, |_, _| {}, || false).unwrap().unwrap();
        let sum = |metric: &str, group: &str| -> f64 {
            // A tick without data for a mean has no value (NaN) and adds nothing.
            out.observations.iter().filter(|o| o.metric == metric && o.group == group && !o.value.is_nan()).map(|o| o.value).sum()
        };
        let m = &out.summary;
        prop_assert_eq!(m.entries as f64, sum("entries", "all"));
        prop_assert_eq!(m.exits as f64, sum("exits", "all"));
        prop_assert_eq!(m.partnerships_formed as f64, sum("partnerships_formed", "all"));
        for cause in ["friction", "betrayal", "exit"] {
            prop_assert_eq!(m.partnerships_dissolved_by_cause[cause] as f64, sum("partnerships_dissolved", cause));
        }
        prop_assert_eq!(m.innovations as f64, sum("innovations", "all"));
        prop_assert_eq!(m.imitation_gain, sum("imitation_gain", "all"));
        // The gap is averaged over the ticks that had any such belief (a
        // tick without one has no value and is not counted); none: no value.
        let mut sim = kyoso_core::silent_rivalry::Simulation::new(&s).unwrap();
        sim.run(|_| {});
        let t = sim.totals();
        for (got, group, n) in [
            (m.expectation_gap_naive_ingroup, "naive_ingroup", t.gap_naive_ticks),
            (m.expectation_gap_all, "all", t.gap_all_ticks),
        ] {
            match got {
                Some(g) => prop_assert!((g - sum("expectation_gap", group) / n as f64).abs() < 1e-12),
                None => prop_assert!(n == 0 && sum("expectation_gap", group) == 0.0),
            }
        }
        prop_assert_eq!(m, &kyoso_core::silent_rivalry::run_summary(&s).unwrap());
    }

    #[test]
    fn same_seed_same_run(s in scenario()) {
        let run = |s: &Scenario| {
            let mut sim = Simulation::new(s).unwrap();
            let mut obs = Vec::new();
            sim.run(|sim| obs.extend(sim.observations().iter().map(|o| (o.metric, o.group.clone(), o.value.to_bits()))));
            (obs, sim.events().len())
        };
        prop_assert_eq!(run(&s), run(&s));
    }
}
