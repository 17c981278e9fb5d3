//! A load generator for `lawful serve`, loopback only, bounded in count and
//! time: p50 and p99 latency and decisions per second, for single decisions
//! (`POST /v1/decide`) and batches (`POST /v1/decide/batch`, 100 lines) at
//! 1, 8 and 64 keep-alive connections.
//!
//! ```sh
//! cargo build --release -p lawful-cli --examples
//! target/release/lawful serve --log /tmp/audit.jsonl &
//! target/release/examples/loadgen --addr 127.0.0.1:8181 --seconds 5 --log /tmp/audit.jsonl
//! ```
//!
//! `--connections 8` (or `1,8`) and `--only single` (or `batch`) narrow the
//! run to some rows. With `--log`, the decision log's line count is compared with the number
//! of decisions answered: a lost or extra record is an error. The client
//! runs on one thread, so on a two-core machine the server has the other.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example that prints its figures"
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The request mix: a permit, a deny by rule, a consent-based share.
const REQUESTS: [&str; 3] = [
    r#"{"id":"reg","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"account.registration","categories":["account.phone"],"subject":{"birth_date":"1990-01-01"},"evidence":{"contract":true}}"#,
    r#"{"id":"browse","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"service.browse","categories":["account.phone"]}"#,
    r#"{"id":"share","at":"2026-11-28T10:00:00+08:00","action":"share","purpose":"support.feedback","categories":["account.phone"],"subject":{"resident_id":"110105199001010037"},"recipient":{"kind":"third_party","name":"Acme"},"evidence":{"consents":[{"by":"subject","separate":true,"purposes":["support.feedback"],"categories":["account"],"actions":["share"],"recipients":["Acme"],"given_at":"2026-01-01T00:00:00+08:00"}]}}"#,
];

const BATCH_LINES: usize = 100;

struct Args {
    addr: SocketAddr,
    seconds: f64,
    max_requests: usize,
    log: Option<PathBuf>,
    /// Only these connection counts (all of 1, 8, 64 by default).
    connections: Vec<usize>,
    /// Only single requests, or only batches (both by default).
    kinds: Vec<bool>,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:8181".parse().map_err(|e| format!("{e}"))?,
        seconds: 5.0,
        max_requests: 2_000_000,
        log: None,
        connections: vec![1, 8, 64],
        kinds: vec![false, true],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--addr" => args.addr = value.parse().map_err(|e| format!("--addr: {e}"))?,
            "--seconds" => args.seconds = value.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--max-requests" => {
                args.max_requests = value.parse().map_err(|e| format!("--max-requests: {e}"))?;
            }
            "--log" => args.log = Some(value.into()),
            "--connections" => {
                args.connections = value
                    .split(',')
                    .map(|n| match n.trim().parse::<usize>() {
                        Ok(n) if (1..=256).contains(&n) => Ok(n),
                        _ => Err(format!("--connections: `{n}` is not a count from 1 to 256")),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--only" => {
                args.kinds = match value.as_str() {
                    "single" => vec![false],
                    "batch" => vec![true],
                    _ => return Err("--only takes `single` or `batch`".into()),
                };
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if !args.addr.ip().is_loopback() {
        return Err("the load generator only targets loopback addresses".into());
    }
    if !(args.seconds > 0.0 && args.seconds <= 120.0) {
        return Err("--seconds must be in (0, 120]".into());
    }
    Ok(args)
}

/// One keep-alive connection speaking just enough HTTP/1.1.
struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        })
    }

    /// Sends a POST and reads the answer; its status and body length.
    async fn post(&mut self, path: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let mut request = Vec::with_capacity(head.len() + body.len());
        request.extend_from_slice(head.as_bytes());
        request.extend_from_slice(body);
        self.stream.write_all(&request).await?;
        self.buf.clear();
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head =
            String::from_utf8_lossy(self.buf.get(..head_end).unwrap_or_default()).into_owned();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let chunked = head.lines().any(|l| {
            l.split_once(':').is_some_and(|(k, v)| {
                k.eq_ignore_ascii_case("transfer-encoding")
                    && v.trim().eq_ignore_ascii_case("chunked")
            })
        });
        if chunked {
            // A streamed batch: chunks until the empty one.
            return Ok((status, self.read_chunks(head_end).await?));
        }
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())
                    .flatten()
            })
            .ok_or_else(|| std::io::Error::other("no content-length"))?;
        while self.buf.len() < head_end + length {
            self.fill().await?;
        }
        Ok((
            status,
            self.buf
                .get(head_end..head_end + length)
                .unwrap_or_default()
                .to_vec(),
        ))
    }

    /// The body of a chunked answer whose head ends at `at`.
    async fn read_chunks(&mut self, mut at: usize) -> std::io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = self
                    .buf
                    .get(at..)
                    .and_then(|rest| rest.windows(2).position(|w| w == b"\r\n"))
                {
                    break at + i;
                }
                self.fill().await?;
            };
            let size_text = String::from_utf8_lossy(self.buf.get(at..line_end).unwrap_or_default())
                .into_owned();
            let size = usize::from_str_radix(size_text.trim(), 16)
                .map_err(|_| std::io::Error::other("a bad chunk size"))?;
            let data = line_end + 2;
            while self.buf.len() < data + size + 2 {
                self.fill().await?;
            }
            if size == 0 {
                return Ok(body);
            }
            body.extend_from_slice(self.buf.get(data..data + size).unwrap_or_default());
            at = data + size + 2;
        }
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        self.buf.reserve(16 * 1024);
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Err(std::io::Error::other("the server closed the connection"));
        }
        Ok(())
    }
}

/// What one scenario measured.
struct Outcome {
    latencies: Vec<Duration>,
    decisions: u64,
    errors: u64,
    elapsed: Duration,
}

async fn scenario(args: &Args, connections: usize, batch: bool) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let per_connection = args.max_requests / connections;
    let body: Vec<u8> = if batch {
        let mut lines = String::new();
        for i in 0..BATCH_LINES {
            lines.push_str(
                REQUESTS
                    .get(i % REQUESTS.len())
                    .copied()
                    .unwrap_or_default(),
            );
            lines.push('\n');
        }
        lines.into_bytes()
    } else {
        Vec::new()
    };
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..connections {
        let addr = args.addr;
        let body = body.clone();
        tasks.spawn(async move {
            let mut out = Outcome {
                latencies: Vec::new(),
                decisions: 0,
                errors: 0,
                elapsed: Duration::ZERO,
            };
            let Ok(mut conn) = Connection::open(addr).await else {
                out.errors += 1;
                return out;
            };
            for i in 0..per_connection {
                if Instant::now() >= deadline {
                    break;
                }
                let (path, payload) = if batch {
                    ("/v1/decide/batch", body.as_slice())
                } else {
                    let r = REQUESTS
                        .get((c + i) % REQUESTS.len())
                        .copied()
                        .unwrap_or_default();
                    ("/v1/decide", r.as_bytes())
                };
                let t = Instant::now();
                match conn.post(path, payload).await {
                    Ok((200, answer)) => {
                        out.latencies.push(t.elapsed());
                        let n = if batch { lines(&answer) } else { 1 };
                        out.decisions += n;
                    }
                    Ok(_) | Err(_) => {
                        out.errors += 1;
                        match Connection::open(addr).await {
                            Ok(fresh) => conn = fresh,
                            Err(_) => break,
                        }
                    }
                }
            }
            out
        });
    }
    let mut total = Outcome {
        latencies: Vec::new(),
        decisions: 0,
        errors: 0,
        elapsed: Duration::ZERO,
    };
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(out) => {
                total.latencies.extend(out.latencies);
                total.decisions += out.decisions;
                total.errors += out.errors;
            }
            Err(_) => total.errors += 1,
        }
    }
    total.elapsed = started.elapsed();
    total
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a non-empty list"
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn log_lines(log: Option<&PathBuf>) -> Option<u64> {
    let text = std::fs::read(log?).ok()?;
    Some(lines(&text))
}

/// How many lines (newlines) a text has.
fn lines(text: &[u8]) -> u64 {
    text.split(|&b| b == b'\n').skip(1).map(|_| 1).sum()
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return ExitCode::from(2);
        }
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        eprintln!("loadgen: cannot start a runtime");
        return ExitCode::from(2);
    };
    let mut failed = false;
    println!(
        "| request | connections | requests | decisions/s | p50 | p99 | errors | log lines lost |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for &batch in &args.kinds {
        for &connections in &args.connections {
            let before = log_lines(args.log.as_ref());
            let mut out = runtime.block_on(scenario(&args, connections, batch));
            let after = log_lines(args.log.as_ref());
            out.latencies.sort_unstable();
            let lost = match (before, after) {
                (Some(b), Some(a)) => {
                    let lost = i128::from(out.decisions) - (i128::from(a) - i128::from(b));
                    lost.to_string()
                }
                _ => "-".into(),
            };
            failed |= out.errors > 0 || (lost != "0" && lost != "-");
            #[expect(clippy::cast_precision_loss, reason = "a rate to print")]
            let rate = out.decisions as f64 / out.elapsed.as_secs_f64();
            println!(
                "| {} | {connections} | {} | {rate:.0} | {:.3} ms | {:.3} ms | {} | {lost} |",
                if batch { "batch of 100" } else { "single" },
                out.latencies.len(),
                percentile(&out.latencies, 0.50).as_secs_f64() * 1e3,
                percentile(&out.latencies, 0.99).as_secs_f64() * 1e3,
                out.errors,
            );
        }
    }
    if failed {
        eprintln!("loadgen: errors or lost log lines");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
