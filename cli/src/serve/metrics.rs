//! `GET /metrics`: counters and a latency histogram in the Prometheus text
//! exposition format (version 0.0.4), kept with atomics and one small map.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lawful::Effect;
use lawful::decision::ReasonCode;
use lawful::wire::DecisionDoc;

use crate::serve::log::{Head, LogCounts};

/// The endpoints whose latency is measured.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Endpoint {
    Decide = 0,
    Batch = 1,
    Explain = 2,
}

const ENDPOINTS: [&str; 3] = ["decide", "batch", "explain"];

/// Upper bounds of the latency buckets, in microseconds.
const BUCKETS_US: [u64; 14] = [
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000,
    5_000_000,
];

#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS_US.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
}

/// Everything `/metrics` reports.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    decisions: Mutex<BTreeMap<(Effect, ReasonCode), u64>>,
    latency: [Histogram; 3],
    pub(crate) reloads: AtomicU64,
    pub(crate) reload_failures: AtomicU64,
    pub(crate) log_failures: AtomicU64,
    pub(crate) rejected: AtomicU64,
    /// Answers by status code (those hyper gives itself included).
    statuses: Mutex<BTreeMap<u16, u64>>,
    /// Connections refused at the limit (`--max-connections`).
    pub(crate) connections_refused: AtomicU64,
    /// Connections open now.
    pub(crate) connections: AtomicU64,
}

impl Metrics {
    /// Counts a decision under each of its reasons (a decision has one or more).
    pub(crate) fn decided(&self, doc: &DecisionDoc) {
        if let Ok(mut map) = self.decisions.lock() {
            for reason in &doc.reasons {
                *map.entry((doc.effect, reason.code)).or_default() += 1;
            }
        }
    }

    /// Counts an answer by its status; a 4xx is also a rejected request.
    pub(crate) fn answered(&self, status: axum::http::StatusCode) {
        if status.is_client_error() {
            self.rejected.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut map) = self.statuses.lock() {
            *map.entry(status.as_u16()).or_default() += 1;
        }
    }

    /// Records how long an endpoint took.
    pub(crate) fn observe(&self, endpoint: Endpoint, took: Duration) {
        let Some(h) = self.latency.get(endpoint as usize) else {
            return;
        };
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        if let Some(i) = BUCKETS_US.iter().position(|&b| us <= b)
            && let Some(bucket) = h.buckets.get(i)
        {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        h.count.fetch_add(1, Ordering::Relaxed);
        h.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// The text exposition. `policy` is (id, version, sha256); `ready` and
    /// `log` describe the decision log.
    pub(crate) fn render(
        &self,
        policy: (&str, &str, &str),
        ready: bool,
        log: LogCounts,
        head: Option<&Head>,
        memory: (u64, u64),
    ) -> String {
        let mut out = String::with_capacity(4096);
        // Writing to a String cannot fail.
        let _ = self.write(&mut out, policy, ready, log);
        let _ = self.write_more(&mut out, head, memory);
        out
    }

    /// Answers by status, connections, the memory budget, the log's head.
    fn write_more(
        &self,
        out: &mut String,
        head: Option<&Head>,
        (in_use, total): (u64, u64),
    ) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP lawful_http_responses_total Answers by status code, those refused by the HTTP layer before any handler (400, 431) included."
        )?;
        writeln!(out, "# TYPE lawful_http_responses_total counter")?;
        if let Ok(map) = self.statuses.lock() {
            for (code, n) in map.iter() {
                writeln!(out, "lawful_http_responses_total{{code=\"{code}\"}} {n}")?;
            }
        }
        writeln!(out, "# HELP lawful_connections Connections open now.")?;
        writeln!(out, "# TYPE lawful_connections gauge")?;
        writeln!(
            out,
            "lawful_connections {}",
            self.connections.load(Ordering::Relaxed)
        )?;
        counter(
            out,
            "lawful_connections_refused_total",
            "Connections answered 503 and closed at the limit of --max-connections.",
            self.connections_refused.load(Ordering::Relaxed),
        )?;
        writeln!(
            out,
            "# HELP lawful_memory_budget_bytes Bytes of the --max-memory budget reserved by bodies and batches now, and the budget."
        )?;
        writeln!(out, "# TYPE lawful_memory_budget_bytes gauge")?;
        writeln!(
            out,
            "lawful_memory_budget_bytes{{kind=\"in_use\"}} {in_use}"
        )?;
        writeln!(out, "lawful_memory_budget_bytes{{kind=\"total\"}} {total}")?;
        if let Some(head) = head {
            writeln!(
                out,
                "# HELP lawful_log_head The decision log's chain head (the SHA-256 of its last line) and the lines this server wrote."
            )?;
            writeln!(out, "# TYPE lawful_log_head gauge")?;
            writeln!(
                out,
                "lawful_log_head{{sha256=\"{}\"}} {}",
                label(&head.head),
                head.lines
            )?;
        }
        Ok(())
    }

    fn write(
        &self,
        out: &mut String,
        (id, version, sha): (&str, &str, &str),
        ready: bool,
        log: LogCounts,
    ) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP lawful_decisions_total Decisions, by effect and by each reason they carry."
        )?;
        writeln!(out, "# TYPE lawful_decisions_total counter")?;
        if let Ok(map) = self.decisions.lock() {
            for ((effect, reason), n) in map.iter() {
                writeln!(
                    out,
                    "lawful_decisions_total{{effect=\"{}\",reason=\"{}\"}} {n}",
                    effect.as_str(),
                    reason.as_str()
                )?;
            }
        }
        writeln!(
            out,
            "# HELP lawful_request_duration_seconds Time to answer a decision request, log write (and with --log-sync always, sync) included."
        )?;
        writeln!(out, "# TYPE lawful_request_duration_seconds histogram")?;
        for (name, h) in ENDPOINTS.iter().zip(&self.latency) {
            let mut cumulative = 0;
            for (bound, bucket) in BUCKETS_US.iter().zip(&h.buckets) {
                cumulative += bucket.load(Ordering::Relaxed);
                writeln!(
                    out,
                    "lawful_request_duration_seconds_bucket{{endpoint=\"{name}\",le=\"{}\"}} {cumulative}",
                    seconds(*bound)
                )?;
            }
            let count = h.count.load(Ordering::Relaxed);
            writeln!(
                out,
                "lawful_request_duration_seconds_bucket{{endpoint=\"{name}\",le=\"+Inf\"}} {count}"
            )?;
            writeln!(
                out,
                "lawful_request_duration_seconds_sum{{endpoint=\"{name}\"}} {}",
                seconds(h.sum_us.load(Ordering::Relaxed))
            )?;
            writeln!(
                out,
                "lawful_request_duration_seconds_count{{endpoint=\"{name}\"}} {count}"
            )?;
        }
        counter(
            out,
            "lawful_policy_reloads_total",
            "Policies loaded in place of the running one.",
            self.reloads.load(Ordering::Relaxed),
        )?;
        counter(
            out,
            "lawful_policy_reload_failures_total",
            "Policy edits that did not load (the running policy kept serving).",
            self.reload_failures.load(Ordering::Relaxed),
        )?;
        counter(
            out,
            "lawful_log_failures_total",
            "Decision log writes that failed.",
            self.log_failures.load(Ordering::Relaxed),
        )?;
        log_counters(out, log)?;
        counter(
            out,
            "lawful_rejected_requests_total",
            "Requests refused before a decision (auth, size, type, malformed JSON, timeouts).",
            self.rejected.load(Ordering::Relaxed),
        )?;
        writeln!(
            out,
            "# HELP lawful_policy_info The policy serving now (always 1)."
        )?;
        writeln!(out, "# TYPE lawful_policy_info gauge")?;
        writeln!(
            out,
            "lawful_policy_info{{id=\"{}\",version=\"{}\",sha256=\"{sha}\"}} 1",
            label(id),
            label(version)
        )?;
        writeln!(
            out,
            "# HELP lawful_ready Whether decisions are answered (0 after a log failure or during shutdown)."
        )?;
        writeln!(out, "# TYPE lawful_ready gauge")?;
        writeln!(out, "lawful_ready {}", u8::from(ready))
    }
}

/// The decision log's counters: written (so answered) is not synced,
/// unless `--log-sync always`.
fn log_counters(out: &mut String, log: LogCounts) -> std::fmt::Result {
    counter(
        out,
        "lawful_log_records_total",
        "Audit records written to the log file (each before its decision was answered).",
        log.written,
    )?;
    counter(
        out,
        "lawful_log_synced_records_total",
        "Audit records synced to disk (with --log-sync always, before their decisions were answered).",
        log.synced,
    )?;
    counter(
        out,
        "lawful_log_syncs_total",
        "fdatasync calls that synced audit records.",
        log.syncs,
    )
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) -> std::fmt::Result {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} counter")?;
    writeln!(out, "{name} {value}")
}

/// Microseconds as decimal seconds.
fn seconds(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// A label value, escaped as the format asks.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
