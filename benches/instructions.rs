//! Instruction counts per request class, for callgrind: each class's
//! requests are decided `ROUNDS` times inside `measure_<class>`, so
//!
//! ```sh
//! cargo bench --bench instructions --no-run     # prints the binary's path
//! valgrind --tool=callgrind --toggle-collect='instructions::measure*' \
//!     target/release/deps/instructions-<hash>
//! callgrind_annotate --inclusive=yes callgrind.out.<pid> | grep measure_
//! ```
//!
//! gives instructions per decision as a function's count divided by
//! `ROUNDS` times its requests (printed). Instruction counts repeat under
//! load, where timings do not. With the arguments `each N`, only the mix's
//! request N is decided (in `measure_seed_mix`): a per-request count, to
//! find the requests that weigh on the mix; `each N CLASS`, request N of a
//! class (still counted in `measure_seed_mix`). With `into` anywhere
//! among the arguments, the host's own decision is written by
//! `Engine::decide_into` instead of returned by `Engine::decide`.
//!
//! With `big`, the generated policies of 1,000, 10,000 and 100,000 rules
//! (`benches/common/mod.rs`) are counted too (`measure_generated_<n>`;
//! generating and loading them is not counted).
//!
//! `benches/outside/` builds this same file as a crate outside the
//! workspace (the host's default release profile), for what a host pays.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    dead_code,
    reason = "benchmark set-up: a broken fixture must stop the run; the shared module has criterion's parts too"
)]

mod common;

use std::hint::black_box;

use lawful::{Decision, Engine, Request};

const ROUNDS: usize = 200;

/// A class's measuring function: `into` decides with `decide_into`.
type Measure = fn(&Engine, &[Request], bool) -> usize;

fn decide_all(engine: &Engine, requests: &[Request]) -> usize {
    let mut permits = 0;
    for _ in 0..ROUNDS {
        for request in requests {
            permits += usize::from(engine.decide(black_box(request)).is_permit());
        }
    }
    permits
}

fn decide_all_into(engine: &Engine, requests: &[Request]) -> usize {
    let mut permits = 0;
    let mut decision = Decision::default();
    for _ in 0..ROUNDS {
        for request in requests {
            engine.decide_into(black_box(request), &mut decision);
            permits += usize::from(black_box(&decision).is_permit());
        }
    }
    permits
}

macro_rules! measures {
    ($($name:ident),*) => {
        $(
            #[inline(never)]
            fn $name(engine: &Engine, requests: &[Request], into: bool) -> usize {
                // Its own name keeps the functions apart (no folding).
                black_box(stringify!($name));
                if into {
                    decide_all_into(engine, requests)
                } else {
                    decide_all(engine, requests)
                }
            }
        )*
    };
}

measures!(
    measure_age_sources,
    measure_children,
    measure_consent_heavy,
    measure_provision_abroad,
    measure_retention,
    measure_unknown_age,
    measure_gdpr_subjects,
    measure_seed_mix,
    measure_generated_1k,
    measure_generated_10k,
    measure_generated_100k
);

fn main() {
    // `cargo bench` runs every bench target with `--bench`: count only when
    // asked (any other argument), so the criterion run stays quick.
    if std::env::args().skip(1).all(|a| a.starts_with("--")) {
        return;
    }
    let into = std::env::args().any(|a| a == "into");
    let engine = Engine::builtin();
    let class = |name: &str| {
        let prefix = common::CLASSES
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| panic!("no class {name}"), |(_, p)| *p);
        common::class(engine, prefix)
    };
    let runs: [(&str, Measure, Vec<Request>); 8] = [
        ("age_sources", measure_age_sources, class("age_sources")),
        ("children", measure_children, class("children")),
        (
            "consent_heavy",
            measure_consent_heavy,
            class("consent_heavy"),
        ),
        (
            "provision_abroad",
            measure_provision_abroad,
            class("provision_abroad"),
        ),
        ("retention", measure_retention, class("retention")),
        ("unknown_age", measure_unknown_age, class("unknown_age")),
        (
            "gdpr_subjects",
            measure_gdpr_subjects,
            class("gdpr_subjects"),
        ),
        ("seed_mix", measure_seed_mix, common::seed_mix(engine)),
    ];
    // `each N [CLASS]`: only request N of the mix (or of the class), for a
    // per-request count.
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("each") {
        let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
        let mix = match args.next() {
            Some(name) => class(&name),
            None => common::seed_mix(engine),
        };
        let one = &mix[n % mix.len()..=n % mix.len()];
        let permits = measure_seed_mix(engine, one, into);
        println!("measure_seed_mix: {ROUNDS} decisions (1 requests x {ROUNDS}), {permits} permits");
        return;
    }
    for (name, measure, requests) in &runs {
        let permits = measure(engine, requests, into);
        println!(
            "measure_{name}: {} decisions ({} requests x {ROUNDS}), {permits} permits",
            requests.len() * ROUNDS,
            requests.len()
        );
    }
    if !std::env::args().any(|a| a == "big") {
        return;
    }
    let big: [(&str, Measure, usize); 3] = [
        ("generated_1k", measure_generated_1k, 1_000),
        ("generated_10k", measure_generated_10k, 10_000),
        ("generated_100k", measure_generated_100k, 100_000),
    ];
    for (name, measure, rules) in big {
        let (engine, requests) = common::generated_engine(rules);
        let permits = measure(&engine, &requests, into);
        println!(
            "measure_{name}: {} decisions ({} requests x {ROUNDS}), {permits} permits",
            requests.len() * ROUNDS,
            requests.len()
        );
    }
}
