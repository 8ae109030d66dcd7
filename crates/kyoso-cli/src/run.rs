//! `kyoso run`: resolve, simulate with a progress bar, write atomically, summarise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kyoso_core::silent_rivalry::{RunOutput, run_scenario_with};
use kyoso_io::WriteOptions;

use crate::output::Destination;
use crate::{Failure, RunArgs, interrupt};

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let (scenario, source) = args.scenario.resolve()?;
    let label = match (&args.scenario.preset, &args.scenario.scenario) {
        (_, Some(file)) => file
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned()),
        (Some(p), None) => p.clone(),
        (None, None) => "default".to_string(),
    };
    let destination = Destination::new(
        args.output.out.as_deref(),
        &label,
        scenario.run.seed,
        args.output.force,
    );
    // Refuse a non-empty --out before spending time on the run.
    destination.check()?;
    let _polling = interrupt::Polling::start();

    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let bar = if show_progress {
        let bar = ProgressBar::with_draw_target(
            Some(scenario.run.ticks as u64),
            ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} tick {pos}/{len} [{bar:40}] {per_sec} ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    // Staged before the run: an output place that cannot be written is
    // found now, not after the simulation (the staging goes if interrupted).
    let staging = destination.staging()?;
    let every = args.firm_ticks.then(|| args.firm_ticks_every.unwrap_or(1));
    // Written as the run goes, on a thread of its own.
    let mut firm_ticks =
        every.map(|_| kyoso_io::FirmTicksWriter::new(staging.path(), args.output.csv));
    let mut write_error = None;
    let output = run_scenario_with(&scenario, every, |sim| {
        bar.set_position(sim.ticks_done() as u64);
        if let (Some(rows), Some(writer)) = (sim.firm_ticks(), firm_ticks.as_mut())
            && let Err(e) = writer.write(rows)
        {
            write_error = Some(e);
            return false;
        }
        !interrupt::requested()
    })
    .map_err(Failure::input)?;
    bar.finish_and_clear();
    if let Some(e) = write_error {
        return Err(Failure::runtime(e));
    }
    let Some(output) = output else {
        return Err(Failure {
            code: 130,
            message: "interrupted; no output written".into(),
        });
    };
    if let Some(writer) = firm_ticks {
        writer.finish().map_err(Failure::runtime)?;
    }

    kyoso_io::write_run(
        &output,
        staging.path(),
        &source,
        WriteOptions {
            csv: args.output.csv,
        },
    )
    .map_err(Failure::runtime)?;
    interrupt::check()?;
    let dir = destination.commit(staging)?;
    if args.quiet {
        println!("{}", dir.display());
    } else {
        print_summary(&output, &source);
        println!("\noutputs: {}", dir.display());
    }
    Ok(())
}

fn print_summary(run: &RunOutput, source: &str) {
    let s = &run.summary;
    println!(
        "kyoso {} — silent rivalry, {} ticks, seed {} ({source})",
        kyoso_core::VERSION,
        s.ticks,
        run.scenario.run.seed
    );
    println!(
        "\nfirms alive: {} of {} ever ({} entered, {} exited)",
        s.firms_alive, s.firms_ever, s.entries, s.exits
    );
    let by_origin: Vec<String> = s
        .firms_alive_by_origin
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!("  by origin:   {}", by_origin.join(", "));
    let by_strategy: Vec<String> = s
        .firms_alive_by_strategy
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!("  by strategy: {}", by_strategy.join(", "));
    let shares: Vec<String> = s
        .market_share_by_origin
        .iter()
        .map(|(k, v)| format!("{k} {:.1}%", v * 100.0))
        .collect();
    println!(
        "market share:  {}, local outside option {:.1}%",
        shares.join(", "),
        s.outside_share * 100.0
    );
    let causes: Vec<String> = s
        .partnerships_dissolved_by_cause
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!(
        "partnerships:  {} formed, dissolved by {}; {} active",
        s.partnerships_formed,
        causes.join(", "),
        s.partnerships_active
    );
    let gap =
        |g: Option<f64>| g.map_or_else(|| "none (no such firm)".into(), |g| format!("{g:+.3}"));
    println!(
        "expectation gap (in-group trust minus in-group sharing): naive_ingroup {}, all firms {}",
        gap(s.expectation_gap_naive_ingroup),
        gap(s.expectation_gap_all)
    );
    println!(
        "industry capability: mean {:.2} -> {:.2}, frontier {:.2}; {} innovations, imitation gain {:.1}",
        s.capability_mean_initial,
        s.capability_mean_final,
        s.capability_max_final,
        s.innovations,
        s.imitation_gain
    );
}
