//! Parameter sweeps, the pure part: designs (full grids or explicit
//! points), run identities and seeds, and summary statistics.
//!
//! A sweep has design points (each an assignment of values to dotted
//! scenario keys) and `reps` replications of each. Run `r` is replication
//! `r % reps` of point `r / reps`; its seed is derived from the base seed,
//! the point and the replication alone, so any run can be re-run on its own
//! (`kyoso run --set key=value ... --seed SEED`) and results do not depend
//! on the order in which runs finish, the thread count or the shard.

use std::fmt;

use rand::RngExt;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::rng::{Purpose, stream};

/// One design point: values for dotted keys, in the design's key order.
pub type Point = Vec<toml::Value>;

/// The points of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// The varied keys, in order.
    pub keys: Vec<String>,
    /// The points; each has one value per key.
    pub points: Vec<Point>,
    /// The design file the points come from, if any, and how many points
    /// each of its rows makes (more than 1 when crossed with a grid).
    pub file: Option<(String, usize)>,
}

/// A `--vary` or design error. Bad input: exit status 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{context}: {message}")]
pub struct DesignError {
    pub context: String,
    pub message: String,
}

fn err(context: impl Into<String>, message: impl Into<String>) -> DesignError {
    DesignError {
        context: context.into(),
        message: message.into(),
    }
}

pub use crate::scenario::parse_value;

/// Parses `key=v1,v2,v3` or `key=start:stop:count` (count evenly spaced
/// values, both ends included; integers when start, stop and step are).
pub fn parse_vary(spec: &str) -> Result<(String, Vec<toml::Value>), DesignError> {
    let context = format!("--vary {spec}");
    let (key, values) = spec
        .split_once('=')
        .ok_or_else(|| err(&context, "expected key=v1,v2,... or key=start:stop:count"))?;
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(err(&context, "the key is empty or has an empty part"));
    }
    let values = values.trim();
    let parts: Vec<&str> = values.split(':').collect();
    if parts.len() == 3 && !values.contains(',') {
        let start = parse_number(parts[0])
            .ok_or_else(|| err(&context, format!("start `{}` is not a number", parts[0])))?;
        let stop = parse_number(parts[1])
            .ok_or_else(|| err(&context, format!("stop `{}` is not a number", parts[1])))?;
        let count: usize = parts[2].trim().parse().map_err(|_| {
            err(
                &context,
                format!("count `{}` is not a whole number >= 1", parts[2]),
            )
        })?;
        if count == 0 {
            return Err(err(&context, "count must be >= 1"));
        }
        let step = if count == 1 {
            0.0
        } else {
            (stop - start) / (count - 1) as f64
        };
        let integral = [start, stop, step].iter().all(|x| x.fract() == 0.0)
            && !parts[0].contains('.')
            && !parts[1].contains('.');
        let out = (0..count)
            .map(|k| {
                // start + k (stop − start) / (count − 1), then rounded to 15
                // significant digits: 0:1:11 gives 0.3, not 0.30000000000000004.
                let x = if count == 1 {
                    start
                } else {
                    decimal(start + (stop - start) * k as f64 / (count - 1) as f64)
                };
                if integral {
                    toml::Value::Integer(x as i64)
                } else {
                    toml::Value::Float(x)
                }
            })
            .collect();
        return Ok((key.to_string(), out));
    }
    let out: Vec<toml::Value> = values.split(',').map(parse_value).collect();
    if values.is_empty() || values.split(',').any(|v| v.trim().is_empty()) {
        return Err(err(&context, "empty value in the list"));
    }
    Ok((key.to_string(), out))
}

/// `x` rounded to 15 significant digits (what an f64 holds exactly in
/// decimal), so that a grid value is the decimal a user typed or expects.
pub fn decimal(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x + 0.0;
    }
    format!("{x:.14e}").parse().unwrap_or(x)
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

impl Design {
    /// The single empty point: a sweep of replications only.
    pub fn single() -> Design {
        Design {
            keys: Vec::new(),
            points: vec![Vec::new()],
            file: None,
        }
    }

    /// The full grid of several `--vary` axes; the first axis varies slowest.
    pub fn grid(axes: Vec<(String, Vec<toml::Value>)>) -> Result<Design, DesignError> {
        let mut keys = Vec::new();
        for (k, _) in &axes {
            if keys.contains(k) {
                return Err(err(format!("--vary {k}"), "the key is varied twice"));
            }
            keys.push(k.clone());
        }
        let mut points: Vec<Point> = vec![Vec::new()];
        for (_, values) in &axes {
            points = points
                .iter()
                .flat_map(|p| {
                    values.iter().map(move |v| {
                        let mut q = p.clone();
                        q.push(v.clone());
                        q
                    })
                })
                .collect();
        }
        Ok(Design {
            keys,
            points,
            file: None,
        })
    }

    /// Combines this design with a grid: every point of `self` × every point of `other`.
    pub fn cross(self, other: Design) -> Result<Design, DesignError> {
        for k in &other.keys {
            if self.keys.contains(k) {
                return Err(err(
                    format!("--vary {k}"),
                    "the key is also a column of the design",
                ));
            }
        }
        let file = self
            .file
            .map(|(name, per_row)| (name, per_row * other.points.len()));
        let mut keys = self.keys;
        keys.extend(other.keys);
        let mut points = Vec::new();
        for p in &self.points {
            for q in &other.points {
                let mut r = p.clone();
                r.extend(q.iter().cloned());
                points.push(r);
            }
        }
        Ok(Design { keys, points, file })
    }

    /// Where point `point` comes from, for messages: `FILE row N` (the
    /// header is row 1) or `--vary`.
    pub fn origin(&self, point: usize) -> String {
        match &self.file {
            Some((name, per_row)) => format!("{name} row {}", point / per_row.max(&1) + 2),
            None => "--vary".to_string(),
        }
    }

    /// `key=value` assignments of one point, as `--set` takes them.
    pub fn assignments(&self, point: usize) -> Vec<String> {
        self.keys
            .iter()
            .zip(&self.points[point])
            .map(|(k, v)| format!("{k}={}", value_text(v)))
            .collect()
    }
}

/// A value as TOML text (strings quoted), for `--set` and for outputs.
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// The largest seed kyoso derives: 2^53 − 1. Seeds up to it are exact in
/// JSON read by JavaScript, in R's doubles, in pandas and in TOML's
/// integers, so every seed kyoso writes can be read back and re-run.
/// (Any u64 is accepted as input.)
pub const MAX_DERIVED_SEED: u64 = (1 << 53) - 1;

/// Most replications of a point: `run_seed` positions a point's stream by
/// `rep` in 40 bits.
pub const MAX_REPS: u32 = 1_000_000;

/// Most design points of one sweep (each is validated before any run).
pub const MAX_POINTS: usize = 1_000_000;

/// Most runs of one sweep (the completed set is a bitset of 12.5 MB there).
pub const MAX_RUNS: u64 = 100_000_000;

/// The seed of replication `rep` of point `point` under `base_seed`, in
/// 0..=[`MAX_DERIVED_SEED`].
pub fn run_seed(base_seed: u64, point: u64, rep: u64) -> u64 {
    // A ChaCha stream keyed by the base seed, positioned by (point, rep):
    // independent of every other run's seed and of execution order.
    let mut rng = stream(base_seed, Purpose::Sweep);
    rng.set_word_pos(((point as u128) << 40 | rep as u128) * 2);
    rng.random::<u64>() >> 11
}

/// Checks a sweep's size against [`MAX_POINTS`], [`MAX_REPS`] and [`MAX_RUNS`].
pub fn check_size(points: usize, reps: u32) -> Result<(), DesignError> {
    if points > MAX_POINTS {
        return Err(err(
            "design",
            format!(
                "{points} design points; at most {MAX_POINTS} are allowed in one sweep (split it with --shard or several designs)"
            ),
        ));
    }
    if reps == 0 || reps > MAX_REPS {
        return Err(err(
            format!("--reps {reps}"),
            format!("allowed: 1 to {MAX_REPS}"),
        ));
    }
    let runs = points as u64 * reps as u64;
    if runs > MAX_RUNS {
        return Err(err(
            format!("--reps {reps}"),
            format!(
                "{points} points x {reps} reps = {runs} runs; at most {MAX_RUNS} runs are allowed in one sweep"
            ),
        ));
    }
    Ok(())
}

/// Which runs a shard owns: runs `r` with `r % count == index - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Parses `I/N` with 1 ≤ I ≤ N.
    pub fn parse(s: &str) -> Result<Shard, DesignError> {
        let context = format!("--shard {s}");
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| err(&context, "expected I/N, e.g. 2/8"))?;
        let whole = |what: &str, text: &str| -> Result<u32, DesignError> {
            text.trim().parse::<u32>().map_err(|_| {
                err(
                    &context,
                    format!(
                        "{what} must be a whole number from 1 to {}, got `{}`",
                        u32::MAX,
                        text.trim()
                    ),
                )
            })
        };
        let index = whole("I", i)?;
        let count = whole("N", n)?;
        if count == 0 || index == 0 || index > count {
            return Err(err(
                &context,
                format!("allowed: 1 <= I <= N, got I = {index}, N = {count}"),
            ));
        }
        Ok(Shard { index, count })
    }

    /// How many of the runs `0..total` this shard owns.
    pub fn runs_of(&self, total: u64) -> u64 {
        let (n, i) = (self.count as u64, (self.index - 1) as u64);
        if total > i {
            (total - i).div_ceil(n)
        } else {
            0
        }
    }

    /// Whether run `run` belongs to this shard.
    pub fn owns(&self, run: u64) -> bool {
        run % self.count as u64 == (self.index - 1) as u64
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Summary statistics of one metric at one design point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub n: u64,
    pub mean: f64,
    /// Sample standard deviation (n − 1); 0 when n < 2.
    pub sd: f64,
    /// 95 % confidence interval of the mean by Student's t; equal to the mean when n < 2.
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Streaming mean and variance (Welford), fed in run order.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Accumulator {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Accumulator {
    /// Adds one observation.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// The statistics so far.
    pub fn stats(&self) -> Stats {
        if self.n < 2 {
            return Stats {
                n: self.n,
                mean: self.mean,
                sd: 0.0,
                ci_low: self.mean,
                ci_high: self.mean,
            };
        }
        let sd = (self.m2 / (self.n - 1) as f64).max(0.0).sqrt();
        let t = StudentsT::new(0.0, 1.0, (self.n - 1) as f64)
            .expect("n >= 2 gives a valid t")
            .inverse_cdf(0.975);
        let half = t * sd / (self.n as f64).sqrt();
        Stats {
            n: self.n,
            mean: self.mean,
            sd,
            ci_low: self.mean - half,
            ci_high: self.mean + half,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_lists_and_ranges() {
        let (k, v) = parse_vary("encounters.detect=0.1,0.5,0.9").unwrap();
        assert_eq!(k, "encounters.detect");
        assert_eq!(
            v,
            vec![
                toml::Value::Float(0.1),
                toml::Value::Float(0.5),
                toml::Value::Float(0.9)
            ]
        );
        let (_, v) = parse_vary("encounters.detect=0:1:5").unwrap();
        assert_eq!(v.len(), 5);
        assert_eq!(v[1], toml::Value::Float(0.25));
        assert_eq!(v[4], toml::Value::Float(1.0));
        let (_, v) = parse_vary("market.segments=2:8:4").unwrap();
        assert_eq!(v, [2, 4, 6, 8].map(toml::Value::Integer).to_vec());
        let (_, v) = parse_vary("population.home_origin=\"JP\",LOCAL").unwrap();
        assert_eq!(v[0], toml::Value::String("JP".into()));
        assert_eq!(v[1], toml::Value::String("LOCAL".into()));
        for bad in [
            "nokey",
            "=1,2",
            "a.b=",
            "a.b=1,,2",
            "a.b=0:1:0",
            "a.b=x:1:3",
            "a..b=1",
        ] {
            assert!(parse_vary(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn grid_values_are_the_decimals_a_user_expects() {
        let (_, v) = parse_vary("encounters.detect=0:1:11").unwrap();
        let want: Vec<toml::Value> = (0..=10)
            .map(|i| toml::Value::Float(format!("0.{i}").parse::<f64>().unwrap().min(1.0)))
            .collect();
        let mut want = want;
        want[10] = toml::Value::Float(1.0);
        assert_eq!(v, want);
        let (_, v) = parse_vary("x=0.1:0.7:7").unwrap();
        let texts: Vec<String> = v.iter().map(value_text).collect();
        assert_eq!(texts, ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]);
        let (_, v) = parse_vary("x=-1:1:5").unwrap();
        let texts: Vec<String> = v.iter().map(value_text).collect();
        assert_eq!(texts, ["-1.0", "-0.5", "0.0", "0.5", "1.0"]);
        assert_eq!(decimal(1e308), 1e308);
        assert_eq!(decimal(-0.0).to_string(), "0");
    }

    #[test]
    fn sizes_over_the_limits_are_refused() {
        assert!(check_size(1000, 1000).is_ok());
        assert!(check_size(MAX_POINTS + 1, 1).is_err());
        let e = check_size(1, u32::MAX).unwrap_err();
        assert!(e.to_string().contains("allowed: 1 to 1000000"), "{e}");
        assert!(check_size(1000, 1_000_000).is_err());
        let e = Shard::parse("1/4294967296").unwrap_err();
        assert!(e.to_string().contains("from 1 to 4294967295"), "{e}");
    }

    #[test]
    fn shard_run_counts_match_ownership() {
        for total in [0u64, 1, 2, 7, 100] {
            for n in 1..=5u32 {
                for i in 1..=n {
                    let s = Shard { index: i, count: n };
                    let counted = (0..total).filter(|&r| s.owns(r)).count() as u64;
                    assert_eq!(s.runs_of(total), counted, "{total} runs, shard {s}");
                }
            }
        }
    }

    #[test]
    fn grid_is_the_full_cartesian_product_first_axis_slowest() {
        let d = Design::grid(vec![
            parse_vary("a=1,2").unwrap(),
            parse_vary("b=x,y,z").unwrap(),
        ])
        .unwrap();
        assert_eq!(d.points.len(), 6);
        assert_eq!(d.assignments(0), vec!["a=1", "b=\"x\""]);
        assert_eq!(d.assignments(5), vec!["a=2", "b=\"z\""]);
        assert!(
            Design::grid(vec![parse_vary("a=1").unwrap(), parse_vary("a=2").unwrap()]).is_err()
        );
        assert_eq!(Design::grid(vec![]).unwrap(), Design::single());
    }

    #[test]
    fn seeds_are_distinct_and_reproducible() {
        let mut seen = std::collections::BTreeSet::new();
        for p in 0..50 {
            for r in 0..50 {
                assert!(seen.insert(run_seed(42, p, r)));
            }
        }
        assert_eq!(run_seed(42, 3, 7), run_seed(42, 3, 7));
        // Every derived seed survives JSON in JavaScript and R (below 2^53).
        assert!(seen.iter().all(|&s| s <= MAX_DERIVED_SEED));
        assert!(
            seen.iter().any(|&s| s > MAX_DERIVED_SEED / 2),
            "the range is used"
        );
        assert_ne!(run_seed(42, 3, 7), run_seed(43, 3, 7));
    }

    #[test]
    fn shards_partition_the_runs() {
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("x").is_err());
        let shards: Vec<Shard> = (1..=3)
            .map(|i| Shard::parse(&format!("{i}/3")).unwrap())
            .collect();
        for run in 0..100 {
            assert_eq!(shards.iter().filter(|s| s.owns(run)).count(), 1);
        }
    }

    #[test]
    fn accumulator_matches_textbook_formulas() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let mut a = Accumulator::default();
        xs.iter().for_each(|&x| a.push(x));
        let s = a.stats();
        assert_eq!(s.n, 8);
        assert!((s.mean - 5.0).abs() < 1e-12);
        let sd = (32.0f64 / 7.0).sqrt();
        assert!((s.sd - sd).abs() < 1e-12);
        // t(0.975, 7) = 2.364624...
        assert!((s.ci_high - (5.0 + 2.364624251592785 * sd / 8f64.sqrt())).abs() < 1e-9);
        let mut one = Accumulator::default();
        one.push(3.0);
        assert_eq!(
            one.stats(),
            Stats {
                n: 1,
                mean: 3.0,
                sd: 0.0,
                ci_low: 3.0,
                ci_high: 3.0
            }
        );
    }
}
