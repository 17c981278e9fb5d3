//! What the benchmarks decide: the seed policy's request mix
//! (`benches/mix.jsonl`) and a generated policy of 10,000 rules and 5,000
//! categories with requests that hit its rules. Shared by `benches/decide.rs`
//! and by the peer comparison (`benches/peers/`), so both time the same work.
//!
//! Every request is resolved (`engine.resolve`) before timing starts: only
//! `engine.decide(&request)` is timed.

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use lawful::wire::RequestDoc;
use lawful::{Decision, Engine, Request};

/// The request mix on the seed policy, one JSON request (docs/wire-format.md) a line.
pub(crate) const MIX: &str = include_str!("../mix.jsonl");

/// The request documents of a JSON-lines text.
pub(crate) fn docs(lines: &str) -> Vec<RequestDoc> {
    lines
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Resolves every document against `engine`.
pub(crate) fn resolve(engine: &Engine, docs: &[RequestDoc]) -> Vec<Request> {
    docs.iter()
        .map(|doc| {
            engine
                .resolve(doc)
                .unwrap_or_else(|e| panic!("{:?}: {e}", doc.id))
        })
        .collect()
}

/// Requests by class on the seed policy (`benches/classes.jsonl`), taken
/// from the data cases of `tests/data` (so decided as the law says there):
/// a class is the prefix of the request's id (see [`CLASSES`]).
pub(crate) const CLASS_REQUESTS: &str = include_str!("../classes.jsonl");

/// The request classes: (benchmark name, id prefix). A regression in one
/// class shows in its own criterion group.
pub(crate) const CLASSES: [(&str, &str); 7] = [
    ("age_sources", "age-sources-"),
    ("children", "children-"),
    ("consent_heavy", "consent-"),
    ("provision_abroad", "abroad-"),
    ("retention", "retention-"),
    ("unknown_age", "unknown-age-"),
    ("gdpr_subjects", "gdpr-"),
];

/// The requests of one class, resolved against `engine`.
pub(crate) fn class(engine: &Engine, prefix: &str) -> Vec<Request> {
    let docs: Vec<RequestDoc> = docs(CLASS_REQUESTS)
        .into_iter()
        .filter(|doc| doc.id.as_deref().is_some_and(|id| id.starts_with(prefix)))
        .collect();
    assert!(!docs.is_empty(), "no request of class {prefix}");
    resolve(engine, &docs)
}

/// The seed mix, resolved against `engine` (the built-in policy).
pub(crate) fn seed_mix(engine: &Engine) -> Vec<Request> {
    resolve(engine, &docs(MIX))
}

/// Decides the requests in turn, one per iteration: criterion's time per
/// iteration is then the mean time of one decision over the mix.
pub(crate) fn cycle<'a>(
    engine: &'a Engine,
    requests: &'a [Request],
) -> impl FnMut() -> Decision + 'a {
    let mut i = 0;
    move || {
        i = if i + 1 < requests.len() { i + 1 } else { 0 };
        engine.decide(black_box(&requests[i]))
    }
}

/// A generated policy and requests that hit its rules.
pub(crate) struct Generated {
    /// The policy's TOML text.
    pub(crate) toml: String,
    /// The requests, as JSON lines.
    pub(crate) requests: String,
}

/// A small deterministic generator (xorshift64*), so every run decides the
/// same policy.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const DOMAINS: usize = 10;
const GROUPS: usize = 10;
const AREAS: usize = 15;
const TASKS: usize = 20;
const ACTIONS: [&str; 5] = ["collect", "use", "store", "share", "entrust"];
const BASES: [&str; 3] = ["contract", "consent", "legal_obligation"];

/// One generated permit rule, kept to build requests that hit it.
struct GenRule {
    actions: Vec<&'static str>,
    purposes: Vec<String>,
    /// (domain, group, item); `None` item: the whole group.
    categories: Vec<(usize, usize, Option<usize>)>,
    bases: Vec<&'static str>,
}

fn category_name((d, g, item): (usize, usize, Option<usize>)) -> String {
    match item {
        Some(i) => format!("dom{d}.grp{g}.item{i}"),
        None => format!("dom{d}.grp{g}"),
    }
}

fn quoted(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", inner.join(", "))
}

/// A policy shaped like a large real one: `categories` categories three
/// levels deep (`dom3.grp7.item42`), 300 purposes two levels deep, and
/// `rules` rules (1% deny rules), each naming one to three actions, one or
/// two purposes (sometimes a whole area) and one to four categories
/// (sometimes a whole group), with one to three bases. `requests` requests
/// each hit a random rule; about one in five also asks for a category the
/// rule does not cover (a deny).
pub(crate) fn generate(rules: usize, categories: usize, requests: usize) -> Generated {
    let items = categories / (DOMAINS * GROUPS);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut toml = vocabulary(items);
    let mut permits = Vec::with_capacity(rules);
    for r in 0..rules {
        if r % 100 == 99 {
            // Deny rules only forbid disclosure, which no permit names, so
            // none shadows a permit.
            let deny = GenRule {
                actions: vec!["disclose"],
                purposes: vec![format!("area{}", rng.below(AREAS))],
                categories: vec![(rng.below(DOMAINS), rng.below(GROUPS), None)],
                bases: Vec::new(),
            };
            write_rule(&mut toml, r, &deny, &mut rng);
        } else {
            let permit = random_permit(&mut rng, items);
            write_rule(&mut toml, r, &permit, &mut rng);
            permits.push(permit);
        }
    }
    let mut lines = String::new();
    for n in 0..requests {
        let rule = &permits[rng.below(permits.len())];
        let _ = writeln!(lines, "{}", request_hitting(rule, n, &mut rng, items));
    }
    Generated {
        toml,
        requests: lines,
    }
}

/// The policy header, the categories and the purposes.
fn vocabulary(items: usize) -> String {
    let mut toml = String::from(
        "[policy]\nid = \"generated\"\nversion = \"1\"\nhome_jurisdiction = \"CN\"\n\
         storage_region = \"CN\"\n\n[[jurisdiction]]\ncode = \"CN\"\nchild_age = 14\n\
         utc_offset = \"+08:00\"\n",
    );
    for d in 0..DOMAINS {
        for g in 0..GROUPS {
            for i in 0..items {
                let flags = match (d, i % 17) {
                    (9, _) => "device_or_log = true\n",
                    (_, 0) => "sensitive = true\n",
                    (0..=4, _) => "identifying = true\n",
                    _ => "",
                };
                let _ = write!(
                    toml,
                    "\n[[category]]\nname = \"{}\"\n{flags}",
                    category_name((d, g, Some(i)))
                );
            }
        }
    }
    for a in 0..AREAS {
        for t in 0..TASKS {
            let _ = write!(toml, "\n[[purpose]]\nname = \"area{a}.task{t}\"\n");
        }
    }
    toml
}

fn random_permit(rng: &mut Rng, items: usize) -> GenRule {
    let mut actions: Vec<&str> = Vec::new();
    for _ in 0..=rng.below(3) {
        let action = ACTIONS[rng.below(ACTIONS.len())];
        if !actions.contains(&action) {
            actions.push(action);
        }
    }
    let purposes = (0..=rng.below(2))
        .map(|_| {
            if rng.chance(10) {
                format!("area{}", rng.below(AREAS))
            } else {
                format!("area{}.task{}", rng.below(AREAS), rng.below(TASKS))
            }
        })
        .collect();
    let categories = (0..=rng.below(4))
        .map(|_| {
            let item = (!rng.chance(20)).then(|| rng.below(items));
            (rng.below(DOMAINS), rng.below(GROUPS), item)
        })
        .collect();
    let start = rng.below(BASES.len());
    let bases = (0..=rng.below(BASES.len()))
        .map(|k| BASES[(start + k) % BASES.len()])
        .collect();
    GenRule {
        actions,
        purposes,
        categories,
        bases,
    }
}

fn write_rule(toml: &mut String, r: usize, rule: &GenRule, rng: &mut Rng) {
    let deny = rule.bases.is_empty();
    let names: Vec<String> = rule.categories.iter().map(|&c| category_name(c)).collect();
    let actions: Vec<String> = rule.actions.iter().map(|a| (*a).to_owned()).collect();
    let _ = write!(
        toml,
        "\n[[{kind}]]\nid = \"rule{r}\"\nclause = \"Generated {r}\"\nactions = {}\n\
         purposes = {}\ncategories = {}\n",
        quoted(&actions),
        quoted(&rule.purposes),
        quoted(&names),
        kind = if deny { "deny" } else { "permit" },
    );
    if deny {
        return;
    }
    let bases: Vec<String> = rule.bases.iter().map(|b| (*b).to_owned()).collect();
    let retention = if rng.chance(50) {
        "1y"
    } else {
        "until_deregistration"
    };
    let _ = write!(
        toml,
        "bases = {}\nretention = \"{retention}\"\n",
        quoted(&bases)
    );
    if rule
        .actions
        .iter()
        .any(|a| *a == "share" || *a == "entrust")
    {
        toml.push_str("recipients = [\"third_party\", \"processor\"]\n");
    }
}

/// A JSON request for an action, purpose and categories of `rule`, with
/// the evidence for one of its bases.
fn request_hitting(rule: &GenRule, n: usize, rng: &mut Rng, items: usize) -> String {
    let action = rule.actions[rng.below(rule.actions.len())];
    let purpose = &rule.purposes[rng.below(rule.purposes.len())];
    let purpose = if purpose.contains('.') {
        purpose.clone()
    } else {
        format!("{purpose}.task{}", rng.below(TASKS))
    };
    let mut cats: Vec<String> = (0..=rng.below(2))
        .map(|_| {
            let (d, g, item) = rule.categories[rng.below(rule.categories.len())];
            category_name((d, g, Some(item.unwrap_or_else(|| rng.below(items)))))
        })
        .collect();
    if rng.chance(20) {
        cats.push(category_name((
            rng.below(DOMAINS),
            rng.below(GROUPS),
            Some(rng.below(items)),
        )));
    }
    cats.dedup();
    let evidence = match rule.bases[rng.below(rule.bases.len())] {
        "contract" => "{\"contract\":true}".to_owned(),
        "legal_obligation" => "{\"legal_obligation\":\"Statute art. 1\"}".to_owned(),
        _ => format!(
            "{{\"consents\":[{{\"by\":\"subject\",\"separate\":true,\"purposes\":[\"{}\"],\
             \"categories\":{},\"given_at\":\"2026-01-01T00:00:00+08:00\"}}]}}",
            purpose.split('.').next().unwrap_or(""),
            quoted(&cats)
        ),
    };
    let recipient = match action {
        "share" => ",\"recipient\":{\"kind\":\"third_party\",\"name\":\"Acme\"}",
        "entrust" => ",\"recipient\":{\"kind\":\"processor\",\"name\":\"Acme\"}",
        _ => "",
    };
    format!(
        "{{\"id\":\"gen{n}\",\"at\":\"2026-11-28T10:00:00+08:00\",\"action\":\"{action}\",\
         \"purpose\":\"{purpose}\",\"categories\":{},\"subject\":{{\"birth_date\":\"1990-01-01\"}},\
         \"evidence\":{evidence}{recipient}}}",
        quoted(&cats)
    )
}

/// Sizes of the generated policy.
pub(crate) const BIG_RULES: usize = 10_000;
/// Declared categories of the generated policy.
pub(crate) const BIG_CATEGORIES: usize = 5_000;
/// Requests decided on the generated policy.
pub(crate) const BIG_REQUESTS: usize = 64;

/// A generated policy of `rules` rules, loaded with limits raised to fit
/// it (the defaults stop at 10,000 rules and 4 MiB), and its requests.
pub(crate) fn generated_engine(rules: usize) -> (Engine, Vec<Request>) {
    let generated = generate(rules, BIG_CATEGORIES, BIG_REQUESTS);
    let options = load_options(rules, generated.toml.len());
    let engine = Engine::from_toml_with(&generated.toml, options).unwrap_or_else(|e| panic!("{e}"));
    let requests = resolve(&engine, &docs(&generated.requests));
    (engine, requests)
}

/// Limits raised to fit a generated policy of `rules` rules and `bytes`
/// bytes.
pub(crate) fn load_options(rules: usize, bytes: usize) -> lawful::policy::LoadOptions {
    lawful::policy::LoadOptions::new()
        .max_rules(rules.max(10_000))
        .max_bytes(bytes.max(4 << 20))
        .max_index_entries(64_000_000)
}

/// lawful's benchmarks: the seed mix, the generated policy, two threads
/// sharing one engine, and loading the seed policy.
pub(crate) fn lawful_benches(c: &mut Criterion) {
    let seed = Engine::builtin();
    let mix = seed_mix(seed);

    let mut group = c.benchmark_group("decide");
    group.throughput(Throughput::Elements(1));
    group.bench_function("seed_mix", |b| b.iter(cycle(seed, &mix)));

    let (big, big_mix) = generated_engine(BIG_RULES);
    group.bench_function("generated_10k_rules", |b| b.iter(cycle(&big, &big_mix)));
    let (huge, huge_mix) = generated_engine(100_000);
    group.bench_function("generated_100k_rules", |b| b.iter(cycle(&huge, &huge_mix)));
    group.finish();

    // One group per request class: each iteration decides the next request
    // of the class.
    let mut group = c.benchmark_group("decide_class");
    group.throughput(Throughput::Elements(1));
    for (name, prefix) in CLASSES {
        let requests = class(seed, prefix);
        group.bench_function(name, |b| b.iter(cycle(seed, &requests)));
    }
    let mut all = mix.clone();
    all.extend(resolve(seed, &docs(CLASS_REQUESTS)));
    group.bench_function("mix_and_classes", |b| b.iter(cycle(seed, &all)));
    group.finish();

    // Two threads share one engine; each decides `iters` requests, so the
    // time per iteration is the time of two decisions made side by side.
    let shared = Arc::new(seed.clone());
    let mut group = c.benchmark_group("decide_threads");
    for threads in [1_usize, 2] {
        group.throughput(Throughput::Elements(threads as u64));
        group.bench_with_input(
            BenchmarkId::new("seed_mix", threads),
            &threads,
            |b, &threads| {
                b.iter_custom(|iters| parallel(&shared, &mix, threads, iters));
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("load");
    group.bench_function("seed_policy", |b| {
        b.iter(|| Engine::from_toml(black_box(Engine::builtin_source())));
    });
    group.finish();
}

/// Runs `threads` threads, each deciding `iters` requests of the mix on a
/// shared engine; returns the wall time.
fn parallel(engine: &Arc<Engine>, mix: &[Request], threads: usize, iters: u64) -> Duration {
    let start = std::sync::Barrier::new(threads + 1);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let engine = Arc::clone(engine);
                let start = &start;
                s.spawn(move || {
                    let mut next = cycle(&engine, mix);
                    start.wait();
                    for _ in 0..iters {
                        drop(black_box(next()));
                    }
                })
            })
            .collect();
        start.wait();
        let t = Instant::now();
        for worker in workers {
            worker
                .join()
                .unwrap_or_else(|_| panic!("a bench thread panicked"));
        }
        t.elapsed()
    })
}
