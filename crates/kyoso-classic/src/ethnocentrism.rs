//! The evolution of ethnocentrism (Hammond and Axelrod 2006), following the
//! spec (docs: `classic-models.md`, section 3) and the NetLogo model the
//! authors' description matches.
//!
//! A torus of cells, each empty or holding one agent with a tag (one of
//! `tags` colours) and two genes: cooperate with its own colour, cooperate
//! with other colours. Each period ([`Ethnocentrism::period`]):
//!
//! 1. [`immigrate`](Ethnocentrism::immigrate): `immigrants` agents with
//!    random traits enter random empty cells;
//! 2. every agent's potential to reproduce (PTR) is reset to `base_ptr`;
//! 3. [`interact`](Ethnocentrism::interact): each agent meets each of its 4
//!    von Neumann neighbours; giving help costs the giver `cost` and adds
//!    `benefit` to the receiver's PTR;
//! 4. [`reproduce`](Ethnocentrism::reproduce): in random order each agent
//!    present at the start of the phase, with probability PTR, places one
//!    offspring in a random empty adjacent cell (if any); each trait mutates
//!    with probability `mutation` (a tag to a different colour, a gene to
//!    its opposite);
//! 5. [`die`](Ethnocentrism::die): each agent dies with probability `death`.
//!
//! Layout: the lattice is a flat `Vec<u8>` (0 = empty, else 1 + tag·4 +
//! genes) plus one `f64` PTR per cell.

use rand::RngExt;
use serde::Serialize;

use crate::ClassicError;
use crate::rng::{self, Rng};

/// Every parameter of the model, with the paper's values as defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EthnocentrismConfig {
    /// Side of the square torus (paper: 50).
    pub size: usize,
    /// Number of colours (paper: 4).
    pub tags: u8,
    /// Immigrants per period (paper: 1).
    pub immigrants: u32,
    /// PTR every agent starts a period with (paper: 0.12).
    pub base_ptr: f64,
    /// PTR a helper gives up per act of help (paper: 0.01).
    pub cost: f64,
    /// PTR a helped agent gains (paper: 0.03).
    pub benefit: f64,
    /// Probability that each trait of an offspring mutates (paper: 0.005).
    pub mutation: f64,
    /// Probability that an agent dies each period (paper: 0.10).
    pub death: f64,
    pub seed: u64,
}

impl Default for EthnocentrismConfig {
    fn default() -> EthnocentrismConfig {
        EthnocentrismConfig {
            size: 50,
            tags: 4,
            immigrants: 1,
            base_ptr: 0.12,
            cost: 0.01,
            benefit: 0.03,
            mutation: 0.005,
            death: 0.10,
            seed: 0,
        }
    }
}

impl EthnocentrismConfig {
    pub fn validate(&self) -> Result<(), ClassicError> {
        if !(3..=4096).contains(&self.size) {
            return Err(ClassicError::range("size", self.size, "3 to 4096"));
        }
        if !(1..=63).contains(&self.tags) {
            return Err(ClassicError::range("tags", self.tags, "1 to 63"));
        }
        for (name, v) in [("mutation", self.mutation), ("death", self.death)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(ClassicError::range(name, v, "a probability in [0, 1]"));
            }
        }
        for (name, v) in [
            ("base_ptr", self.base_ptr),
            ("cost", self.cost),
            ("benefit", self.benefit),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(ClassicError::range(name, v, "a finite number >= 0"));
            }
        }
        Ok(())
    }
}

/// The four strategies, by the two genes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EthnoStrategy {
    /// Cooperates with its own colour, defects against others.
    Ethnocentric,
    /// Cooperates with everyone.
    Altruist,
    /// Defects against its own colour, cooperates with others.
    Cosmopolitan,
    /// Defects against everyone.
    Egoist,
}

impl EthnoStrategy {
    pub const ALL: [EthnoStrategy; 4] = [
        EthnoStrategy::Ethnocentric,
        EthnoStrategy::Altruist,
        EthnoStrategy::Cosmopolitan,
        EthnoStrategy::Egoist,
    ];

    fn from_genes(same: bool, other: bool) -> EthnoStrategy {
        match (same, other) {
            (true, false) => EthnoStrategy::Ethnocentric,
            (true, true) => EthnoStrategy::Altruist,
            (false, true) => EthnoStrategy::Cosmopolitan,
            (false, false) => EthnoStrategy::Egoist,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            EthnoStrategy::Ethnocentric => "ethnocentric",
            EthnoStrategy::Altruist => "altruist",
            EthnoStrategy::Cosmopolitan => "cosmopolitan",
            EthnoStrategy::Egoist => "egoist",
        }
    }
}

/// An agent packed into a byte: 0 = empty cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Agent(u8);

impl Agent {
    const EMPTY: Agent = Agent(0);
    const SAME: u8 = 1;
    const OTHER: u8 = 2;

    fn new(tag: u8, same: bool, other: bool) -> Agent {
        Agent(1 + tag * 4 + u8::from(same) * Self::SAME + u8::from(other) * Self::OTHER)
    }
    fn is_empty(self) -> bool {
        self.0 == 0
    }
    fn tag(self) -> u8 {
        (self.0 - 1) / 4
    }
    fn genes(self) -> u8 {
        (self.0 - 1) % 4
    }
    fn cooperates_same(self) -> bool {
        self.genes() & Self::SAME != 0
    }
    fn cooperates_other(self) -> bool {
        self.genes() & Self::OTHER != 0
    }
    fn strategy(self) -> EthnoStrategy {
        EthnoStrategy::from_genes(self.cooperates_same(), self.cooperates_other())
    }
}

/// What one period looked like (after death).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PeriodStats {
    pub period: u32,
    pub agents: u32,
    /// Agents per strategy in [`EthnoStrategy::ALL`] order.
    pub counts: [u32; 4],
    /// Acts of help between same-coloured neighbours this period.
    pub helped_same: u32,
    /// Meetings of same-coloured neighbours (each direction counted).
    pub met_same: u32,
    pub helped_other: u32,
    pub met_other: u32,
}

impl PeriodStats {
    /// Share of agents playing `s` (0 when there are none).
    pub fn share(&self, s: EthnoStrategy) -> f64 {
        let i = EthnoStrategy::ALL
            .iter()
            .position(|x| *x == s)
            .expect("listed");
        if self.agents == 0 {
            0.0
        } else {
            self.counts[i] as f64 / self.agents as f64
        }
    }

    /// Share of all meetings in which help was given.
    pub fn cooperation_rate(&self) -> f64 {
        ratio(
            self.helped_same + self.helped_other,
            self.met_same + self.met_other,
        )
    }

    pub fn in_group_cooperation(&self) -> f64 {
        ratio(self.helped_same, self.met_same)
    }

    pub fn out_group_cooperation(&self) -> f64 {
        ratio(self.helped_other, self.met_other)
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The running model.
#[derive(Debug, Clone)]
pub struct Ethnocentrism {
    config: EthnocentrismConfig,
    cells: Vec<Agent>,
    ptr: Vec<f64>,
    period: u32,
    immigration_rng: Rng,
    reproduction_rng: Rng,
    death_rng: Rng,
    /// Scratch: the order agents reproduce in.
    order: Vec<u32>,
    helped_same: u32,
    met_same: u32,
    helped_other: u32,
    met_other: u32,
}

impl Ethnocentrism {
    /// An empty lattice.
    pub fn new(config: EthnocentrismConfig) -> Result<Ethnocentrism, ClassicError> {
        config.validate()?;
        let cells = config.size * config.size;
        Ok(Ethnocentrism {
            cells: vec![Agent::EMPTY; cells],
            ptr: vec![0.0; cells],
            period: 0,
            immigration_rng: rng::stream(config.seed, 1),
            reproduction_rng: rng::stream(config.seed, 2),
            death_rng: rng::stream(config.seed, 3),
            order: Vec::with_capacity(cells),
            helped_same: 0,
            met_same: 0,
            helped_other: 0,
            met_other: 0,
            config,
        })
    }

    pub fn config(&self) -> &EthnocentrismConfig {
        &self.config
    }

    /// One period; the step loop of the model, in the order of the spec.
    pub fn period(&mut self) -> PeriodStats {
        self.immigrate();
        self.reset_ptr();
        self.interact();
        self.reproduce();
        self.die();
        self.period += 1;
        self.stats()
    }

    /// Runs `periods` periods.
    pub fn run(&mut self, periods: u32) -> Vec<PeriodStats> {
        (0..periods).map(|_| self.period()).collect()
    }

    fn neighbours(&self, i: usize) -> [usize; 4] {
        let n = self.config.size;
        let (y, x) = (i / n, i % n);
        let up = if y == 0 { n - 1 } else { y - 1 };
        let down = if y + 1 == n { 0 } else { y + 1 };
        let left = if x == 0 { n - 1 } else { x - 1 };
        let right = if x + 1 == n { 0 } else { x + 1 };
        [up * n + x, down * n + x, y * n + left, y * n + right]
    }

    fn random_agent(&mut self) -> Agent {
        let rng = &mut self.immigration_rng;
        let tag = rng.random_range(0..self.config.tags);
        Agent::new(tag, rng.random_bool(0.5), rng.random_bool(0.5))
    }

    /// Immigrants with random traits enter random empty cells.
    pub fn immigrate(&mut self) {
        for _ in 0..self.config.immigrants {
            let empty: Vec<usize> = (0..self.cells.len())
                .filter(|&i| self.cells[i].is_empty())
                .collect();
            if empty.is_empty() {
                return;
            }
            let cell = empty[self.immigration_rng.random_range(0..empty.len())];
            self.cells[cell] = self.random_agent();
        }
    }

    fn reset_ptr(&mut self) {
        let base = self.config.base_ptr;
        self.ptr.iter_mut().for_each(|p| *p = base);
    }

    /// Every agent decides, for each neighbour, whether to help it.
    pub fn interact(&mut self) {
        let (cost, benefit) = (self.config.cost, self.config.benefit);
        self.helped_same = 0;
        self.met_same = 0;
        self.helped_other = 0;
        self.met_other = 0;
        for i in 0..self.cells.len() {
            let giver = self.cells[i];
            if giver.is_empty() {
                continue;
            }
            for j in self.neighbours(i) {
                let receiver = self.cells[j];
                if receiver.is_empty() {
                    continue;
                }
                let same = giver.tag() == receiver.tag();
                let helps = if same {
                    giver.cooperates_same()
                } else {
                    giver.cooperates_other()
                };
                if same {
                    self.met_same += 1;
                    self.helped_same += u32::from(helps);
                } else {
                    self.met_other += 1;
                    self.helped_other += u32::from(helps);
                }
                if helps {
                    self.ptr[i] -= cost;
                    self.ptr[j] += benefit;
                }
            }
        }
    }

    fn mutate(&mut self, parent: Agent) -> Agent {
        let rng = &mut self.reproduction_rng;
        let m = self.config.mutation;
        let mut tag = parent.tag();
        if self.config.tags > 1 && rng.random_bool(m) {
            let shift = rng.random_range(1..self.config.tags);
            tag = (tag + shift) % self.config.tags;
        }
        let mut same = parent.cooperates_same();
        if rng.random_bool(m) {
            same = !same;
        }
        let mut other = parent.cooperates_other();
        if rng.random_bool(m) {
            other = !other;
        }
        Agent::new(tag, same, other)
    }

    /// Agents present at the start of the phase reproduce in random order.
    pub fn reproduce(&mut self) {
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.extend((0..self.cells.len() as u32).filter(|&i| !self.cells[i as usize].is_empty()));
        for k in (1..order.len()).rev() {
            let j = self.reproduction_rng.random_range(0..=k);
            order.swap(k, j);
        }
        for &i in &order {
            let i = i as usize;
            let p = self.ptr[i].clamp(0.0, 1.0);
            if !self.reproduction_rng.random_bool(p) {
                continue;
            }
            let empty: Vec<usize> = self
                .neighbours(i)
                .into_iter()
                .filter(|&j| self.cells[j].is_empty())
                .collect();
            if empty.is_empty() {
                continue;
            }
            let target = empty[self.reproduction_rng.random_range(0..empty.len())];
            let child = self.mutate(self.cells[i]);
            self.cells[target] = child;
        }
        self.order = order;
    }

    /// Each agent dies with probability `death`.
    pub fn die(&mut self) {
        let death = self.config.death;
        for cell in self.cells.iter_mut() {
            if !cell.is_empty() && self.death_rng.random_bool(death) {
                *cell = Agent::EMPTY;
            }
        }
    }

    /// Counts after the period.
    pub fn stats(&self) -> PeriodStats {
        let mut counts = [0u32; 4];
        for a in self.cells.iter().filter(|a| !a.is_empty()) {
            let s = a.strategy();
            counts[EthnoStrategy::ALL
                .iter()
                .position(|x| *x == s)
                .expect("listed")] += 1;
        }
        PeriodStats {
            period: self.period,
            agents: counts.iter().sum(),
            counts,
            helped_same: self.helped_same,
            met_same: self.met_same,
            helped_other: self.helped_other,
            met_other: self.met_other,
        }
    }

    /// The lattice as (tag, strategy) per cell, `None` when empty.
    pub fn lattice(&self) -> impl Iterator<Item = Option<(u8, EthnoStrategy)>> + '_ {
        self.cells
            .iter()
            .map(|a| (!a.is_empty()).then(|| (a.tag(), a.strategy())))
    }
}

/// Means over the last half of a run: ethnocentric share and cooperation rate.
pub fn summary(stats: &[PeriodStats]) -> (f64, f64) {
    let half = &stats[stats.len() / 2..];
    let n = half.len().max(1) as f64;
    let share = half
        .iter()
        .map(|s| s.share(EthnoStrategy::Ethnocentric))
        .sum::<f64>()
        / n;
    let coop = half.iter().map(|s| s.cooperation_rate()).sum::<f64>() / n;
    (share, coop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_pack_and_unpack() {
        for tag in 0..4 {
            for (same, other) in [(true, false), (true, true), (false, true), (false, false)] {
                let a = Agent::new(tag, same, other);
                assert!(!a.is_empty());
                assert_eq!(
                    (a.tag(), a.cooperates_same(), a.cooperates_other()),
                    (tag, same, other)
                );
            }
        }
    }

    #[test]
    fn help_moves_ptr_from_giver_to_receiver() {
        let mut m = Ethnocentrism::new(EthnocentrismConfig {
            size: 5,
            ..EthnocentrismConfig::default()
        })
        .unwrap();
        m.cells[0] = Agent::new(0, true, false); // ethnocentric, colour 0
        m.cells[1] = Agent::new(0, false, false); // egoist, colour 0
        m.cells[2] = Agent::new(1, false, true); // cosmopolitan, colour 1
        m.reset_ptr();
        m.interact();
        // 0 helps 1 (same colour); 1 helps nobody; 2 helps 1 (other colour).
        assert!((m.ptr[0] - 0.11).abs() < 1e-12);
        assert!((m.ptr[1] - 0.18).abs() < 1e-12);
        assert!((m.ptr[2] - 0.11).abs() < 1e-12);
        let s = m.stats();
        assert_eq!(
            (s.helped_same, s.met_same, s.helped_other, s.met_other),
            (1, 2, 1, 2)
        );
    }

    #[test]
    fn population_fills_from_immigration_and_is_reproducible() {
        let c = EthnocentrismConfig {
            size: 20,
            seed: 3,
            ..EthnocentrismConfig::default()
        };
        let a = Ethnocentrism::new(c).unwrap().run(200);
        let b = Ethnocentrism::new(c).unwrap().run(200);
        assert_eq!(a, b);
        assert!(a.last().unwrap().agents > 100);
    }
}
