//! Hammond and Axelrod (2006): on a 50×50 torus with the paper's
//! parameters, ethnocentrism comes to dominate (about three quarters of
//! the agents) and most interactions are cooperative.
//!
//! Full length (2000 periods) over the 10 seeds the issue asks for; each
//! figure is the mean over periods 1000–2000. Measured (release build, same
//! seeds): ethnocentric share 0.743 mean, 0.028 standard deviation across
//! seeds (0.709–0.784); cooperation 0.751–0.775. Tolerances: mean share
//! 0.75 ± 0.05 (about 5 standard errors of the 10-seed mean), every seed
//! above 0.6 (dominant), cooperation rate above 0.6 in every seed.

use kyoso_classic::ethnocentrism::{Ethnocentrism, EthnocentrismConfig, summary};

#[test]
fn ethnocentrism_dominates_with_about_three_quarters_of_agents() {
    let mut shares = Vec::new();
    for seed in 0..10 {
        let stats = Ethnocentrism::new(EthnocentrismConfig {
            seed,
            ..EthnocentrismConfig::default()
        })
        .unwrap()
        .run(2000);
        let (share, cooperation) = summary(&stats);
        assert!(share > 0.6, "seed {seed}: ethnocentric share {share:.3}");
        assert!(
            cooperation > 0.6,
            "seed {seed}: cooperation rate {cooperation:.3}"
        );
        shares.push(share);
    }
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    assert!(
        (mean - 0.75).abs() < 0.05,
        "mean ethnocentric share {mean:.3} over seeds: {shares:.3?}"
    );
}

#[test]
fn without_tags_to_discriminate_ethnocentrism_has_no_edge() {
    // One colour: ethnocentric and altruist behave identically, so the
    // ethnocentric share is not three quarters (control for the mechanism).
    let config = EthnocentrismConfig {
        tags: 1,
        seed: 1,
        ..EthnocentrismConfig::default()
    };
    let (share, _) = summary(&Ethnocentrism::new(config).unwrap().run(1000));
    assert!(share < 0.65, "{share}");
}
