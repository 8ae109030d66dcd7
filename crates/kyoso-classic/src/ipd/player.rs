//! A strategy in play: its private state and its decision rule.
//!
//! Each rule follows the axelrod library (4.14) line by line, including its
//! quirks (which are pinned by the fixtures): for example
//! first-by-downing counts the opponent's second move as a reply to a
//! cooperation, and first-by-graaskamp probes every 5 to 14 rounds
//! (numpy's `randint(5, 15)` excludes 15).

use rand::RngExt;

use super::game::{Action, Game};
use super::strategy::Strategy;
use crate::rng::Rng;

use Action::{C, D};

/// What a player may know about the match it is in (the axelrod library's
/// `match_attributes`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchInfo {
    pub game: Game,
    /// The number of turns when it is known; `None` when the match ends at
    /// random (`prob_end`), as the library then announces an infinite length.
    pub length: Option<u32>,
}

/// The moves one player has actually made (after noise), with counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub moves: Vec<Action>,
    pub cooperations: u32,
    pub defections: u32,
}

impl History {
    /// An empty history with room for `turns` moves.
    pub fn with_capacity(turns: usize) -> History {
        History {
            moves: Vec::with_capacity(turns),
            cooperations: 0,
            defections: 0,
        }
    }

    pub fn push(&mut self, a: Action) {
        self.moves.push(a);
        match a {
            C => self.cooperations += 1,
            D => self.defections += 1,
        }
    }

    pub fn len(&self) -> usize {
        self.moves.len()
    }

    pub fn is_empty(&self) -> bool {
        self.moves.is_empty()
    }

    pub fn last(&self) -> Option<Action> {
        self.moves.last().copied()
    }

    /// The last `n` moves (fewer at the start).
    pub fn tail(&self, n: usize) -> &[Action] {
        &self.moves[self.moves.len().saturating_sub(n)..]
    }

    pub fn clear(&mut self) {
        self.moves.clear();
        self.cooperations = 0;
        self.defections = 0;
    }
}

/// Retaliation bookkeeping shared by Shubik and Tideman–Chieruzzi.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Retaliation {
    active: bool,
    length: u32,
    remaining: u32,
}

impl Retaliation {
    fn decrease(&mut self) {
        if self.active {
            self.remaining -= 1;
            if self.remaining == 0 {
                self.active = false;
            }
        }
    }

    /// Starts a retaliation one round longer than the previous one.
    fn start(&mut self) {
        self.active = true;
        self.length += 1;
        self.remaining = self.length;
        self.decrease();
    }
}

/// Per-match private state of the strategies that have one.
#[derive(Debug, Clone, PartialEq)]
enum State {
    None,
    Shubik(Retaliation),
    Tideman {
        retaliation: Retaliation,
        own_score: f64,
        opponent_score: f64,
        last_fresh_start: usize,
        fresh_start: bool,
        remembered_defections: u32,
    },
    Downing {
        replies_c_to_c: u32,
        replies_c_to_d: u32,
    },
    Stein {
        opponent_is_random: bool,
    },
    Graaskamp {
        opponent_is_random: bool,
        next_random_defection: Option<usize>,
        /// How far the two monotone history checks below have been made.
        checked: usize,
        opponent_copies_me: bool,
        opponent_equals_me: bool,
    },
}

/// A strategy with its state for one match.
#[derive(Debug, Clone)]
pub struct Player {
    strategy: Strategy,
    state: State,
}

/// The 5% critical value of the chi-squared distribution with one degree of
/// freedom: scipy's `chisquare([c, d]).pvalue >= 0.05` holds exactly when
/// the statistic `(c - d)^2 / (c + d)` is at most this.
const CHI2_1DF_CRITICAL_5PCT: f64 = 3.841_458_820_694_124;

/// Whether a count of cooperations and defections looks random (p >= 0.05).
fn looks_random(cooperations: u32, defections: u32) -> bool {
    let n = (cooperations + defections) as f64;
    let diff = cooperations as f64 - defections as f64;
    diff * diff / n <= CHI2_1DF_CRITICAL_5PCT
}

/// C with probability `p` (no draw when p is 0 or 1, as in the library).
fn random_choice(p: f64, rng: &mut Rng) -> Action {
    let cooperate = if p <= 0.0 {
        false
    } else {
        p >= 1.0 || rng.random::<f64>() < p
    };
    if cooperate { C } else { D }
}

/// Defects in the last `n` rounds when the match length is known (the
/// library's `FinalTransformer`).
fn final_defections(action: Action, n: usize, played: usize, info: &MatchInfo) -> Action {
    match info.length {
        Some(length) if played < length as usize && length as usize - played <= n => D,
        _ => action,
    }
}

fn tit_for_tat(them: &History) -> Action {
    them.last().unwrap_or(C)
}

/// Generous tit for tat's forgiveness probability for a game.
pub fn gtft_probability(game: &Game) -> f64 {
    let (r, s, t, p) = (game.r, game.s, game.t, game.p);
    (1.0 - (t - r) / (r - s))
        .min((r - p) / (t - p))
        .clamp(0.0, 1.0)
}

impl Player {
    /// A fresh player (no history, initial state).
    pub fn new(strategy: Strategy) -> Player {
        let state = match strategy {
            Strategy::FirstByShubik => State::Shubik(Retaliation::default()),
            Strategy::FirstByTidemanAndChieruzzi => State::Tideman {
                retaliation: Retaliation::default(),
                own_score: 0.0,
                opponent_score: 0.0,
                last_fresh_start: 0,
                fresh_start: false,
                remembered_defections: 0,
            },
            Strategy::FirstByDowning => State::Downing {
                replies_c_to_c: 0,
                replies_c_to_d: 0,
            },
            Strategy::FirstBySteinAndRapoport => State::Stein {
                opponent_is_random: false,
            },
            Strategy::FirstByGraaskamp => State::Graaskamp {
                opponent_is_random: false,
                next_random_defection: None,
                checked: 1,
                opponent_copies_me: true,
                opponent_equals_me: true,
            },
            _ => State::None,
        };
        Player { strategy, state }
    }

    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The next move, given both histories so far.
    pub fn decide(
        &mut self,
        me: &History,
        them: &History,
        info: &MatchInfo,
        rng: &mut Rng,
    ) -> Action {
        use Strategy::*;
        let turn = me.len();
        match self.strategy {
            Cooperator => C,
            Defector => D,
            TitForTat => tit_for_tat(them),
            TitFor2Tats => {
                if them.tail(2) == [D, D] {
                    D
                } else {
                    C
                }
            }
            TwoTitsForTat => {
                if them.tail(2).contains(&D) {
                    D
                } else {
                    C
                }
            }
            Grudger => {
                if them.defections > 0 {
                    D
                } else {
                    C
                }
            }
            SuspiciousTitForTat => them.last().unwrap_or(D),
            Alternator => match me.last() {
                Some(C) => D,
                _ => C,
            },
            WinStayLoseShift => match (me.last(), them.last()) {
                (Some(a), Some(b)) if a != b => D,
                _ => C,
            },
            GoByMajority => {
                if them.defections > them.cooperations {
                    D
                } else {
                    C
                }
            }
            HardGoByMajority => {
                if them.cooperations > them.defections {
                    C
                } else {
                    D
                }
            }
            Bully => match them.last() {
                Some(D) => C,
                _ => D,
            },
            Prober => match turn {
                0 => D,
                1 | 2 => C,
                _ if them.moves[1..3] == [C, C] => D,
                _ => tit_for_tat(them),
            },
            HardTitForTat => {
                if them.tail(3).contains(&D) {
                    D
                } else {
                    C
                }
            }
            CyclerCCD => [C, C, D][turn % 3],
            AntiTitForTat => match them.last() {
                Some(C) => D,
                _ => C,
            },
            Appeaser => match (me.last(), them.last()) {
                (Some(mine), Some(D)) => mine.flip(),
                (Some(mine), Some(C)) => mine,
                _ => C,
            },
            ForgivingTitForTat => {
                if them.defections as f64 > them.len() as f64 / 10.0 {
                    tit_for_tat(them)
                } else {
                    C
                }
            }
            Handshake => match turn {
                0 => C,
                1 => D,
                _ if them.moves[0..2] == [C, D] => C,
                _ => D,
            },
            Random => random_choice(0.5, rng),
            Gtft => match them.last() {
                None | Some(C) => C,
                Some(D) => random_choice(gtft_probability(&info.game), rng),
            },
            FirstByTidemanAndChieruzzi => {
                let action = self.tideman(me, them, info);
                final_defections(action, 2, turn, info)
            }
            FirstByNydegger => nydegger(me, them),
            FirstByGrofman => match (me.last(), them.last()) {
                (Some(a), Some(b)) if a != b => random_choice(2.0 / 7.0, rng),
                _ => C,
            },
            FirstByShubik => {
                let State::Shubik(ret) = &mut self.state else {
                    unreachable!("state matches strategy")
                };
                let Some(last) = them.last() else { return C };
                if ret.active {
                    ret.decrease();
                    return D;
                }
                if last == D && me.last() == Some(C) {
                    ret.start();
                    return D;
                }
                C
            }
            FirstBySteinAndRapoport => {
                let State::Stein { opponent_is_random } = &mut self.state else {
                    unreachable!("state matches strategy")
                };
                let round = turn + 1;
                let action = if round < 5 {
                    C
                } else if round < 15 {
                    tit_for_tat(them)
                } else {
                    if round.is_multiple_of(15) {
                        *opponent_is_random = looks_random(them.cooperations, them.defections);
                    }
                    if *opponent_is_random {
                        D
                    } else {
                        tit_for_tat(them)
                    }
                };
                final_defections(action, 2, turn, info)
            }
            FirstByDavis => {
                if turn < 10 || them.defections == 0 {
                    C
                } else {
                    D
                }
            }
            FirstByGraaskamp => self.graaskamp(me, them, rng),
            FirstByDowning => self.downing(me, them, info),
            FirstByFeld => match them.last() {
                None => C,
                Some(D) => D,
                Some(C) => {
                    let slope = (0.5 - 1.0) / 200.0;
                    let p = (1.0 + slope * turn as f64).max(0.5);
                    random_choice(p, rng)
                }
            },
            FirstByJoss => match them.last() {
                None => C,
                Some(C) => random_choice(0.9, rng),
                Some(D) => D,
            },
            FirstByTullock => {
                if turn < 11 {
                    return C;
                }
                let rounds = 10;
                let cooperated = them.tail(rounds).iter().filter(|&&a| a == C).count();
                let p = (cooperated as f64 / rounds as f64 - 0.10).max(0.0);
                random_choice(p, rng)
            }
            FirstByAnonymous => {
                let r = rng.random_range(3.0..7.0) / 10.0;
                random_choice(r, rng)
            }
        }
    }

    fn tideman(&mut self, me: &History, them: &History, info: &MatchInfo) -> Action {
        let State::Tideman {
            retaliation,
            own_score,
            opponent_score,
            last_fresh_start,
            fresh_start,
            remembered_defections,
        } = &mut self.state
        else {
            unreachable!("state matches strategy")
        };
        let (Some(their_last), Some(my_last)) = (them.last(), me.last()) else {
            return C;
        };
        if their_last == D {
            *remembered_defections += 1;
        }
        let (a, b) = info.game.score(my_last, their_last);
        *own_score += a;
        *opponent_score += b;
        if *fresh_start {
            *fresh_start = false;
            return C;
        }
        let round = me.len() + 1;
        let valid_fresh_start = *last_fresh_start == 0 || round - *last_fresh_start >= 20;
        if valid_fresh_start {
            let ahead = *own_score - *opponent_score >= 10.0;
            let time_left = info
                .length
                .is_none_or(|len| len as i64 - round as i64 >= 10);
            if ahead && time_left && their_last == C {
                let n = (them.cooperations + them.defections) as f64;
                let sd = n.sqrt() / 2.0;
                let (lower, upper) = (n / 2.0 - 3.0 * sd, n / 2.0 + 3.0 * sd);
                let remembered = *remembered_defections as f64;
                if remembered <= lower || remembered >= upper {
                    *last_fresh_start = round;
                    *retaliation = Retaliation::default();
                    *remembered_defections = 0;
                    *fresh_start = true;
                    return C;
                }
            }
        }
        if retaliation.active {
            retaliation.decrease();
            return D;
        }
        if their_last == D {
            retaliation.start();
            return D;
        }
        C
    }

    fn downing(&mut self, me: &History, them: &History, info: &MatchInfo) -> Action {
        let State::Downing {
            replies_c_to_c,
            replies_c_to_d,
        } = &mut self.state
        else {
            unreachable!("state matches strategy")
        };
        let round = me.len() + 1;
        if round == 1 {
            return D;
        }
        if round == 2 {
            if them.last() == Some(C) {
                *replies_c_to_c += 1;
            }
            return D;
        }
        let my_second_last = me.moves[me.len() - 2];
        if them.last() == Some(C) {
            match my_second_last {
                C => *replies_c_to_c += 1,
                D => *replies_c_to_d += 1,
            }
        }
        let alpha = *replies_c_to_c as f64 / (me.cooperations as f64 + 1.0);
        let beta = *replies_c_to_d as f64 / (me.defections.max(2) as f64);
        let g = &info.game;
        let value_c = alpha * g.r + (1.0 - alpha) * g.s;
        let value_d = beta * g.t + (1.0 - beta) * g.p;
        if value_c > value_d {
            C
        } else if value_c < value_d {
            D
        } else {
            me.last().map_or(C, Action::flip)
        }
    }

    fn graaskamp(&mut self, me: &History, them: &History, rng: &mut Rng) -> Action {
        let State::Graaskamp {
            opponent_is_random,
            next_random_defection,
            checked,
            opponent_copies_me,
            opponent_equals_me,
        } = &mut self.state
        else {
            unreachable!("state matches strategy")
        };
        let turn = me.len();
        if turn == 0 {
            return C;
        }
        if turn < 56 {
            return if them.last() == Some(D) || turn == 50 {
                D
            } else {
                C
            };
        }
        *opponent_is_random =
            looks_random(them.cooperations, them.defections) || *opponent_is_random;
        if *opponent_is_random {
            return D;
        }
        // Both checks only ever turn false as the histories grow.
        if *opponent_equals_me && me.moves[0] != them.moves[0] {
            *opponent_equals_me = false;
        }
        while *checked < turn {
            let i = *checked;
            if them.moves[i] != me.moves[i - 1] {
                *opponent_copies_me = false;
            }
            if them.moves[i] != me.moves[i] {
                *opponent_equals_me = false;
            }
            *checked += 1;
        }
        if *opponent_copies_me || *opponent_equals_me {
            return tit_for_tat(them);
        }
        let next = *next_random_defection.get_or_insert_with(|| rng.random_range(5..15) + turn);
        if turn == next {
            *next_random_defection = Some(rng.random_range(5..15) + turn);
            return D;
        }
        C
    }
}

/// Nydegger's rule: tit for tat for three rounds (defecting in round 3 after
/// the opponent's D, C), then D exactly for 19 values of
/// A = 16 a(-1) + 4 a(-2) + a(-3), where a round scores 0 for CC, 2 for CD,
/// 1 for DC and 3 for DD (own move first).
fn nydegger(me: &History, them: &History) -> Action {
    const DEFECT_ON: [u32; 19] = [
        1, 6, 7, 17, 22, 23, 26, 29, 30, 31, 33, 38, 39, 45, 49, 54, 55, 58, 61,
    ];
    match me.len() {
        0 => C,
        1 => tit_for_tat(them),
        2 if them.moves[0..2] == [D, C] => D,
        2 => tit_for_tat(them),
        n => {
            let score = |k: usize| match (me.moves[n - k], them.moves[n - k]) {
                (C, C) => 0,
                (C, D) => 2,
                (D, C) => 1,
                (D, D) => 3,
            };
            let a = 16 * score(1) + 4 * score(2) + score(3);
            if DEFECT_ON.contains(&a) { D } else { C }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi_squared_threshold_matches_scipy_examples() {
        // scipy.stats.chisquare([10, 4]).pvalue = 0.1088 (random);
        // chisquare([11, 3]).pvalue = 0.0325 (not random).
        assert!(looks_random(10, 4));
        assert!(!looks_random(11, 3));
    }

    #[test]
    fn gtft_probability_of_the_default_game_is_one_third() {
        assert!((gtft_probability(&Game::default()) - 1.0 / 3.0).abs() < 1e-12);
    }
}
