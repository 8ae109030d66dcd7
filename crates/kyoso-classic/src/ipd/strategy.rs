//! The strategies: names (the axelrod library's class names in kebab-case),
//! one-line rules and classifiers. The decision rules live in
//! [`crate::ipd::player`].

use serde::Serialize;

use crate::ClassicError;

/// Every strategy kyoso implements. Names, rules and the exact behaviour
/// follow the axelrod Python library (version 4.14), which the fixtures in
/// `tests/fixtures/` were generated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Strategy {
    Cooperator,
    Defector,
    TitForTat,
    TitFor2Tats,
    TwoTitsForTat,
    Grudger,
    SuspiciousTitForTat,
    Alternator,
    WinStayLoseShift,
    GoByMajority,
    HardGoByMajority,
    Bully,
    Prober,
    HardTitForTat,
    CyclerCCD,
    AntiTitForTat,
    Appeaser,
    ForgivingTitForTat,
    Handshake,
    Random,
    Gtft,
    FirstByTidemanAndChieruzzi,
    FirstByNydegger,
    FirstByGrofman,
    FirstByShubik,
    FirstBySteinAndRapoport,
    FirstByDavis,
    FirstByGraaskamp,
    FirstByDowning,
    FirstByFeld,
    FirstByJoss,
    FirstByTullock,
    FirstByAnonymous,
}

/// What kyoso says about a strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StrategyInfo {
    /// The axelrod class name in kebab-case, e.g. `tit-for-2-tats`.
    pub name: &'static str,
    /// The rule in one line.
    pub rule: &'static str,
    /// Whether the strategy draws random numbers.
    pub stochastic: bool,
    /// Whether the strategy reads the game's payoffs.
    pub uses_game: bool,
    /// Whether the strategy reads the match length (when it is known).
    pub uses_length: bool,
}

const fn info(name: &'static str, rule: &'static str, stochastic: bool) -> StrategyInfo {
    StrategyInfo {
        name,
        rule,
        stochastic,
        uses_game: false,
        uses_length: false,
    }
}

impl Strategy {
    /// All strategies, in the order `kyoso strategies` lists them.
    pub const ALL: [Strategy; 33] = [
        Strategy::Cooperator,
        Strategy::Defector,
        Strategy::TitForTat,
        Strategy::TitFor2Tats,
        Strategy::TwoTitsForTat,
        Strategy::Grudger,
        Strategy::SuspiciousTitForTat,
        Strategy::Alternator,
        Strategy::WinStayLoseShift,
        Strategy::GoByMajority,
        Strategy::HardGoByMajority,
        Strategy::Bully,
        Strategy::Prober,
        Strategy::HardTitForTat,
        Strategy::CyclerCCD,
        Strategy::AntiTitForTat,
        Strategy::Appeaser,
        Strategy::ForgivingTitForTat,
        Strategy::Handshake,
        Strategy::Random,
        Strategy::Gtft,
        Strategy::FirstByTidemanAndChieruzzi,
        Strategy::FirstByNydegger,
        Strategy::FirstByGrofman,
        Strategy::FirstByShubik,
        Strategy::FirstBySteinAndRapoport,
        Strategy::FirstByDavis,
        Strategy::FirstByGraaskamp,
        Strategy::FirstByDowning,
        Strategy::FirstByFeld,
        Strategy::FirstByJoss,
        Strategy::FirstByTullock,
        Strategy::FirstByAnonymous,
    ];

    /// The fifteen entrants of Axelrod's first tournament (1980), in the
    /// order of the axelrod library's `axelrod_first_strategies`.
    pub const AXELROD_FIRST: [Strategy; 15] = [
        Strategy::TitForTat,
        Strategy::FirstByTidemanAndChieruzzi,
        Strategy::FirstByNydegger,
        Strategy::FirstByGrofman,
        Strategy::FirstByShubik,
        Strategy::FirstBySteinAndRapoport,
        Strategy::Grudger,
        Strategy::FirstByDavis,
        Strategy::FirstByGraaskamp,
        Strategy::FirstByDowning,
        Strategy::FirstByFeld,
        Strategy::FirstByJoss,
        Strategy::FirstByTullock,
        Strategy::FirstByAnonymous,
        Strategy::Random,
    ];

    /// The axelrod library's `demo_strategies`: the classic five.
    pub const CLASSIC: [Strategy; 5] = [
        Strategy::Cooperator,
        Strategy::Defector,
        Strategy::TitForTat,
        Strategy::Grudger,
        Strategy::Random,
    ];

    /// Name, rule and classifiers.
    pub fn info(self) -> StrategyInfo {
        use Strategy::*;
        match self {
            Cooperator => info("cooperator", "always cooperates", false),
            Defector => info("defector", "always defects", false),
            TitForTat => info(
                "tit-for-tat",
                "cooperates first, then copies the opponent's last move",
                false,
            ),
            TitFor2Tats => info(
                "tit-for-2-tats",
                "defects only after two consecutive defections by the opponent",
                false,
            ),
            TwoTitsForTat => info(
                "two-tits-for-tat",
                "defects if the opponent defected in either of the last two rounds",
                false,
            ),
            Grudger => info(
                "grudger",
                "cooperates until the opponent defects once, then defects for ever",
                false,
            ),
            SuspiciousTitForTat => info(
                "suspicious-tit-for-tat",
                "defects first, then copies the opponent's last move",
                false,
            ),
            Alternator => info(
                "alternator",
                "cooperates first, then switches its own last move",
                false,
            ),
            WinStayLoseShift => info(
                "win-stay-lose-shift",
                "cooperates first and after CC or DD, defects after CD or DC (Pavlov)",
                false,
            ),
            GoByMajority => info(
                "go-by-majority",
                "cooperates unless the opponent has defected more often than cooperated (tie: C)",
                false,
            ),
            HardGoByMajority => info(
                "hard-go-by-majority",
                "defects unless the opponent has cooperated more often than defected (tie: D)",
                false,
            ),
            Bully => info(
                "bully",
                "defects first, then does the opposite of the opponent's last move",
                false,
            ),
            Prober => info(
                "prober",
                "plays D, C, C; defects for ever if the opponent cooperated in rounds 2 and 3, else tit for tat",
                false,
            ),
            HardTitForTat => info(
                "hard-tit-for-tat",
                "defects if the opponent defected in any of the last three rounds",
                false,
            ),
            CyclerCCD => info("cycler-ccd", "plays the cycle C, C, D", false),
            AntiTitForTat => info(
                "anti-tit-for-tat",
                "cooperates first, then plays the opposite of the opponent's last move",
                false,
            ),
            Appeaser => info(
                "appeaser",
                "cooperates first; switches its own move whenever the opponent defects",
                false,
            ),
            ForgivingTitForTat => info(
                "forgiving-tit-for-tat",
                "cooperates while the opponent defected in at most 10% of rounds, else copies its last move",
                false,
            ),
            Handshake => info(
                "handshake",
                "plays C, D; then cooperates for ever if the opponent did the same, else defects",
                false,
            ),
            Random => info("random", "cooperates with probability 1/2", true),
            Gtft => StrategyInfo {
                uses_game: true,
                ..info(
                    "gtft",
                    "generous tit for tat: after a defection cooperates with p = min(1 - (T-R)/(R-S), (R-P)/(T-P))",
                    true,
                )
            },
            FirstByTidemanAndChieruzzi => StrategyInfo {
                uses_game: true,
                uses_length: true,
                ..info(
                    "first-by-tideman-and-chieruzzi",
                    "tit for tat with growing retaliation, a fresh start when well ahead, defects in the last two rounds",
                    false,
                )
            },
            FirstByNydegger => info(
                "first-by-nydegger",
                "tit for tat for three rounds, then defects for 19 patterns of the last three rounds",
                false,
            ),
            FirstByGrofman => info(
                "first-by-grofman",
                "cooperates if both played the same last round, else cooperates with probability 2/7",
                true,
            ),
            FirstByShubik => info(
                "first-by-shubik",
                "tit for tat whose retaliation lasts one round longer after each provocation",
                false,
            ),
            FirstBySteinAndRapoport => StrategyInfo {
                uses_length: true,
                ..info(
                    "first-by-stein-and-rapoport",
                    "C for 4 rounds, then tit for tat, defecting against a random-looking opponent (chi-squared test every 15 rounds) and in the last two rounds",
                    false,
                )
            },
            FirstByDavis => info(
                "first-by-davis",
                "cooperates for 10 rounds, then plays grudger",
                false,
            ),
            FirstByGraaskamp => info(
                "first-by-graaskamp",
                "tit for tat with a defection in round 51, then defects against random opponents and probes others every 5 to 14 rounds",
                true,
            ),
            FirstByDowning => StrategyInfo {
                uses_game: true,
                ..info(
                    "first-by-downing",
                    "estimates the opponent's responses to C and D and plays the move with the higher expected payoff",
                    false,
                )
            },
            FirstByFeld => info(
                "first-by-feld",
                "defects after a defection; otherwise cooperates with a probability falling from 1 to 1/2 over 200 rounds",
                true,
            ),
            FirstByJoss => info(
                "first-by-joss",
                "tit for tat that cooperates only with probability 0.9",
                true,
            ),
            FirstByTullock => info(
                "first-by-tullock",
                "cooperates for 11 rounds, then cooperates 10 points less often than the opponent did in the last 10",
                true,
            ),
            FirstByAnonymous => info(
                "first-by-anonymous",
                "cooperates with a probability drawn uniformly in [0.3, 0.7] every round",
                true,
            ),
        }
    }

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Whether the strategy draws random numbers.
    pub fn is_stochastic(self) -> bool {
        self.info().stochastic
    }

    /// Looks a strategy up by its kebab-case name.
    pub fn from_name(name: &str) -> Result<Strategy, ClassicError> {
        Strategy::ALL
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                let suggestion = Strategy::ALL
                    .iter()
                    .map(|s| s.name())
                    .min_by_key(|n| edit_distance(n, name))
                    .filter(|n| edit_distance(n, name) <= 3)
                    .map(str::to_string);
                ClassicError::UnknownStrategy {
                    name: name.to_string(),
                    suggestion,
                }
            })
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Strategy {
    type Err = ClassicError;
    fn from_str(s: &str) -> Result<Strategy, ClassicError> {
        Strategy::from_name(s)
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
        for s in Strategy::ALL {
            assert_eq!(Strategy::from_name(s.name()).unwrap(), s);
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Strategy::ALL.len());
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        match Strategy::from_name("tit-for-tatt") {
            Err(ClassicError::UnknownStrategy { suggestion, .. }) => {
                assert_eq!(suggestion.as_deref(), Some("tit-for-tat"))
            }
            other => panic!("{other:?}"),
        }
    }
}
