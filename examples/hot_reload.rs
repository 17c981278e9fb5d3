//! A host that keeps deciding while its policy is reloaded, and never sends
//! an engine the ids of another.
//!
//! Names are resolved once (`engine.purpose("account.registration")?`), and
//! `decide()` works on the ids. An id belongs to the engine that resolved it:
//! an engine loaded again, even from the same text, refuses it with
//! `invalid_request` rather than read it as one of its own. So this host
//! keeps each engine together with the ids resolved by it, as one
//! [`Generation`], and swaps whole generations: a request takes the current
//! generation once and decides with that engine and those ids. A reload
//! loads the new policy and resolves every name the host uses *before* the
//! swap; a policy that does not load, or that lost a name the host needs, is
//! refused, and the old generation keeps serving.
//!
//! Run with `cargo run --example hot_reload`: two threads decide while the
//! main thread reloads the policy (the built-in one under a new version
//! each time), then the stale-id mistake is shown. `cargo test -p
//! lawful-examples --example hot_reload` runs its tests.
#![allow(clippy::print_stdout, reason = "an example prints its results")]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, FixedOffset, NaiveDate};
use lawful::decision::ReasonCode;
use lawful::{
    Action, CategoryId, Decision, Engine, Evidence, JurisdictionId, PurposeId, Request, Subject,
};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The ids this host decides with, resolved by one engine.
#[derive(Clone, Copy, Debug)]
struct Ids {
    registration: PurposeId,
    phone: CategoryId,
    email: CategoryId,
    cn: JurisdictionId,
}

impl Ids {
    /// Every name the host uses, resolved by `engine`: a policy that lost
    /// one of them is an error here, at reload, not a deny at decision time.
    fn resolve(engine: &Engine) -> Result<Ids, Error> {
        Ok(Ids {
            registration: engine.purpose("account.registration")?,
            phone: engine.category("account.phone")?,
            email: engine.category("account.email")?,
            cn: engine.jurisdiction("CN")?,
        })
    }
}

/// An engine and the ids resolved by it: never one without the other.
#[derive(Debug)]
pub struct Generation {
    engine: Engine,
    ids: Ids,
}

impl Generation {
    /// Loads a policy and resolves the host's names against it.
    ///
    /// # Errors
    ///
    /// When the policy does not load, or lacks a name the host uses.
    pub fn load(text: &str) -> Result<Generation, Error> {
        let engine = Engine::from_toml(text)?;
        let ids = Ids::resolve(&engine)?;
        Ok(Generation { engine, ids })
    }

    /// The version of the policy this generation decides with.
    pub fn policy_version(&self) -> &str {
        self.engine.policy_version()
    }

    /// An adult born on `born` registers with a phone number and an email
    /// address, on the contract of the account.
    pub fn registration(&self, at: DateTime<FixedOffset>, born: NaiveDate) -> Decision {
        let ids = self.ids;
        let request = Request::new(Action::Collect, ids.registration, at)
            .categories([ids.phone, ids.email])
            .subject(Subject::new().birth_date(born).jurisdiction(ids.cn))
            .evidence(Evidence::new().contract());
        self.engine.decide(&request)
    }
}

/// The host: the current generation, swapped whole by [`Host::reload`].
#[derive(Debug)]
pub struct Host {
    current: RwLock<Arc<Generation>>,
    reloads: AtomicUsize,
}

impl Host {
    /// A host serving `generation`.
    pub fn new(generation: Generation) -> Host {
        Host {
            current: RwLock::new(Arc::new(generation)),
            reloads: AtomicUsize::new(0),
        }
    }

    /// The generation serving now. A caller keeps it for the whole of one
    /// request (and may keep it longer: an old generation stays whole, and
    /// is dropped with its last user).
    pub fn current(&self) -> Arc<Generation> {
        // A writer that panicked left a whole `Arc` behind: use it.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Loads `text` and, when it loads and names everything the host uses,
    /// serves it from the next request on.
    ///
    /// # Errors
    ///
    /// As [`Generation::load`]; the generation serving keeps serving.
    pub fn reload(&self, text: &str) -> Result<(), Error> {
        // All the work before the lock: the swap itself is one store.
        let next = Arc::new(Generation::load(text)?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = next;
        self.reloads.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// How many reloads succeeded.
    pub fn reloads(&self) -> usize {
        self.reloads.load(Ordering::Relaxed)
    }
}

/// The built-in policy under another version (what an edited file is).
fn policy_version(version: &str) -> Result<String, Error> {
    let text = Engine::builtin_source();
    let old = "\nversion = \"2026-11-28\"\n";
    if !text.contains(old) {
        return Err("the built-in policy has no version line to edit".into());
    }
    Ok(text.replacen(old, &format!("\nversion = \"{version}\"\n"), 1))
}

/// What a stream of requests met: decisions by outcome.
#[derive(Debug, Default)]
pub struct Tally {
    /// Permits.
    pub permits: usize,
    /// Denies for an id the engine did not resolve.
    pub stale: usize,
    /// Other denies.
    pub denies: usize,
    /// The policy versions that decided, in the order first seen.
    pub versions: Vec<String>,
}

/// The most requests a stream decides, and the longest a reload waits for
/// the streams: bounds, should a thread stall.
const MOST: usize = 1_000_000;
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// Decides registrations through `host`, one generation a request, until
/// `stop` is set (or [`MOST`] are done), counting each in `decided`.
fn stream(host: &Host, decided: &AtomicUsize, stop: &AtomicBool) -> Result<Tally, Error> {
    let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
    let born = NaiveDate::from_ymd_opt(1990, 1, 1).ok_or("no such date")?;
    let mut tally = Tally::default();
    for _ in 0..MOST {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let generation = host.current();
        let decision = generation.registration(at, born);
        if decision.is_permit() {
            tally.permits += 1;
        } else if decision.has_reason(ReasonCode::InvalidRequest) {
            tally.stale += 1;
        } else {
            tally.denies += 1;
        }
        let version = generation.policy_version();
        if !tally.versions.iter().any(|v| v == version) {
            tally.versions.push(version.to_owned());
        }
        decided.fetch_add(1, Ordering::Relaxed);
    }
    Ok(tally)
}

/// Waits until the streams have decided `count` requests in all.
fn wait_for(decided: &AtomicUsize, count: usize) -> Result<(), Error> {
    let start = std::time::Instant::now();
    while decided.load(Ordering::Relaxed) < count {
        if start.elapsed() > PATIENCE {
            return Err("the streams stopped deciding".into());
        }
        std::thread::yield_now();
    }
    Ok(())
}

/// Two threads decide while `reloads` reloads happen, the first once the
/// streams are under way, the streams going on for a while after the last:
/// their tallies.
fn reload_mid_stream(reloads: usize) -> Result<(Host, Vec<Tally>), Error> {
    let host = Host::new(Generation::load(&policy_version("v0")?)?);
    let decided = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let tallies = std::thread::scope(|scope| -> Result<Vec<Tally>, Error> {
        let workers: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| stream(&host, &decided, &stop)))
            .collect();
        let mut reloaded = Ok(());
        for n in 1..=reloads {
            reloaded = wait_for(&decided, 100 * n)
                .and_then(|()| host.reload(&policy_version(&format!("v{n}"))?));
            if reloaded.is_err() {
                break;
            }
        }
        if reloaded.is_ok() {
            reloaded = wait_for(&decided, decided.load(Ordering::Relaxed) + 100);
        }
        stop.store(true, Ordering::Relaxed);
        let tallies = workers
            .into_iter()
            .map(|w| w.join().map_err(|_| Error::from("a worker panicked"))?)
            .collect();
        reloaded?;
        tallies
    })?;
    Ok((host, tallies))
}

fn main() -> Result<(), Error> {
    let (host, tallies) = reload_mid_stream(10)?;
    println!(
        "{} reloads while two threads decided; now serving version {}.",
        host.reloads(),
        host.current().policy_version()
    );
    for (n, tally) in tallies.iter().enumerate() {
        println!(
            "thread {n}: {} permits, {} refused for a stale id, {} other denies; versions seen: {}",
            tally.permits,
            tally.stale,
            tally.denies,
            tally.versions.join(", ")
        );
    }

    // The mistake this host avoids: ids kept across a reload.
    let old = Engine::from_toml(Engine::builtin_source())?;
    let stale = Ids::resolve(&old)?;
    let reloaded = Generation::load(Engine::builtin_source())?;
    let mixed = Generation {
        engine: reloaded.engine,
        ids: stale,
    };
    let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
    let born = NaiveDate::from_ymd_opt(1990, 1, 1).ok_or("no such date")?;
    let decision = mixed.registration(at, born);
    println!(
        "\nIds resolved by the engine before a reload, sent to the one after it (same text):\n{}",
        decision.explain(&mixed.engine)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap()
    }

    fn born() -> NaiveDate {
        NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()
    }

    /// Why the host swaps ids with their engine: ids of the engine before a
    /// reload are refused by the engine after it, even for the same text.
    #[test]
    fn ids_kept_across_a_reload_are_refused() {
        let before = Generation::load(Engine::builtin_source()).unwrap();
        assert!(before.registration(at(), born()).is_permit());
        let after = Generation::load(Engine::builtin_source()).unwrap();
        let mixed = Generation {
            engine: after.engine,
            ids: before.ids,
        };
        let decision = mixed.registration(at(), born());
        assert!(!decision.is_permit());
        assert!(
            decision.has_reason(ReasonCode::InvalidRequest),
            "{decision:?}"
        );
    }

    /// Reloads in the middle of two streams of requests: every request is
    /// decided by one whole generation, none is refused for a stale id,
    /// and the reloads are seen mid-stream.
    #[test]
    fn a_reload_mid_stream_refuses_no_request() {
        let (host, tallies) = reload_mid_stream(25).unwrap();
        assert_eq!(host.reloads(), 25);
        assert_eq!(host.current().policy_version(), "v25");
        let mut versions = std::collections::BTreeSet::new();
        for tally in &tallies {
            assert_eq!(tally.stale, 0, "{tally:?}");
            assert_eq!(tally.denies, 0, "{tally:?}");
            assert!(tally.permits > 0, "{tally:?}");
            versions.extend(tally.versions.iter().cloned());
        }
        // The streams ran across every reload: the first version and the
        // last decided, and versions between them.
        assert!(versions.contains("v0"), "{versions:?}");
        assert!(versions.contains("v25"), "{versions:?}");
        assert!(versions.len() > 2, "{versions:?}");
    }

    /// A reload that fails (a policy with an error, or one that lost a name
    /// the host uses) changes nothing: the old generation keeps deciding.
    #[test]
    fn a_bad_policy_is_refused_and_the_old_one_serves() {
        let host = Host::new(Generation::load(&policy_version("v1").unwrap()).unwrap());
        assert!(host.reload("[policy]\nid = 1\n").is_err());
        let renamed = policy_version("v2")
            .unwrap()
            .replace("\"account.registration\"", "\"account.signup\"");
        let error = host.reload(&renamed).unwrap_err().to_string();
        assert!(error.contains("account.registration"), "{error}");
        assert_eq!(host.reloads(), 0);
        let generation = host.current();
        assert_eq!(generation.policy_version(), "v1");
        assert!(generation.registration(at(), born()).is_permit());
    }
}
