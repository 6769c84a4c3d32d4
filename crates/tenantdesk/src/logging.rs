//! Where log lines go: stderr, through a buffer while the service runs.
//!
//! For `serve`, a line of level `INFO` or below (above all, a request's line) is appended to a
//! buffer in memory, which a thread of its own writes to stderr every [`INTERVAL`], or at once
//! when it passes [`CAPACITY`]; a warning or an error is written at once, after the lines before
//! it. The process writes what is buffered before it exits, and when it panics. Writing each
//! request's line on its own cost a system call per request, 5–7% of a GET's time at full load
//! (BENCHMARKS.md); a line now reaches stderr at most [`INTERVAL`] after it was logged. The other
//! commands write every line at once, in order with what they print.
//!
//! Which lines are logged is `RUST_LOG`'s to say ([`filter`]). A line starts with its time, which
//! [`Clock`] writes.

use std::cell::RefCell;
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::{Layer, Registry};

/// How long a line may wait in the buffer.
const INTERVAL: Duration = Duration::from_millis(50);
/// A buffer this full is written at once.
const CAPACITY: usize = 64 * 1024;

/// The filter of the `RUST_LOG` directives: `info` when there are none, or when any does not
/// parse; empty ones (`info,`) are left out.
///
/// [`EnvFilter`]'s parser decides what is valid. Directives of targets and levels only (`warn`,
/// `tenantdesk_api=debug,sqlx=warn`), as nearly all are, are then read as [`Targets`], which
/// decides by a line's target and level alone. Directives that name a span (`[request]=debug`,
/// `[request{method=GET}]=debug`) stay with the [`EnvFilter`], which has to follow every span
/// entered and left: that is, every time a request's future is polled, and a PostgreSQL query
/// polls it once per row, which cost 5% of a page of users (BENCHMARKS.md).
pub fn filter(directives: Option<&str>) -> Filter {
    let directives = directives
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect::<Vec<_>>()
        .join(",");
    let info = || Filter::Targets(Targets::new().with_default(Level::INFO));
    if directives.is_empty() {
        return info();
    }
    let Ok(spans) = EnvFilter::try_new(&directives) else {
        return info();
    };
    if directives.contains('[') {
        return Filter::Spans(spans);
    }
    match directives.parse::<Targets>() {
        Ok(targets) => Filter::Targets(targets),
        Err(_) => Filter::Spans(spans),
    }
}

/// A filter of log lines, as [`filter`] reads `RUST_LOG`.
#[derive(Debug)]
#[expect(clippy::large_enum_variant, reason = "one is made, when the process starts")]
pub enum Filter {
    /// By target and level.
    Targets(Targets),
    /// Also by span and field.
    Spans(EnvFilter),
}

impl Filter {
    /// The filter as a layer of the registry.
    pub fn layer(self) -> Box<dyn Layer<Registry> + Send + Sync> {
        match self {
            Self::Targets(targets) => Box::new(targets),
            Self::Spans(filter) => Box::new(filter),
        }
    }
}

/// The time at the head of a line, as tracing-subscriber's own `SystemTime` writes a time since
/// 1970: RFC 3339 in UTC, to the microsecond (`2026-12-03T20:05:00.123456Z`). The date and the
/// time to the second are written out once a second on each thread, not for each line: writing
/// them took 1.3% of a GET's samples at full load (BENCHMARKS.md).
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock;

impl FormatTime for Clock {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        thread_local! {
            static SECOND: RefCell<Second> = const { RefCell::new(Second::NONE) };
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        // A line logged while the thread ends, after its cache is gone, is written without it.
        SECOND
            .try_with(|second| write_time(now, &mut second.borrow_mut(), w))
            .unwrap_or_else(|_| {
                let mut second = Second::NONE;
                write_time(now, &mut second, w)
            })
    }
}

/// The text of one second: the date and time up to its decimal point.
struct Second {
    /// Seconds since the Unix epoch.
    at: u64,
    text: String,
}

impl Second {
    /// None yet.
    const NONE: Self = Self {
        at: u64::MAX,
        text: String::new(),
    };
}

/// Writes the time `since_epoch`, writing out `second`'s text anew if it is of another second.
fn write_time(since_epoch: Duration, second: &mut Second, w: &mut impl std::fmt::Write) -> std::fmt::Result {
    if second.at != since_epoch.as_secs() {
        let at = i64::try_from(since_epoch.as_secs()).map_err(|_| std::fmt::Error)?;
        let time = chrono::DateTime::from_timestamp(at, 0).ok_or(std::fmt::Error)?;
        second.text = time.format("%Y-%m-%dT%H:%M:%S.").to_string();
        second.at = since_epoch.as_secs();
    }
    let mut micros = since_epoch.subsec_micros();
    let mut tail = *b"000000Z";
    for digit in tail[..6].iter_mut().rev() {
        *digit = b'0' + (micros % 10) as u8;
        micros /= 10;
    }
    w.write_str(&second.text)?;
    w.write_str(std::str::from_utf8(&tail).map_err(|_| std::fmt::Error)?)
}

/// Where the lines end up: stderr, or what a test gives.
type Output = Box<dyn std::io::Write + Send>;

/// The log's destination: stderr, through a buffer shared by the clones if `buffered`.
#[derive(Clone)]
pub struct Log {
    /// Lines not written yet.
    buffer: Arc<Mutex<Vec<u8>>>,
    /// The output, locked while a batch of lines is written: whoever writes takes the buffer's
    /// lines under this lock, so lines come out in the order they were logged, and a line that is
    /// only buffered never waits for the output.
    output: Arc<Mutex<Output>>,
    buffered: bool,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("buffered", &self.buffered)
            .finish_non_exhaustive()
    }
}

impl Log {
    fn to(output: Output, buffered: bool) -> Self {
        Self {
            buffer: Arc::default(),
            output: Arc::new(Mutex::new(output)),
            buffered,
        }
    }

    /// A log that writes each line at once.
    pub fn unbuffered() -> Self {
        Self::to(Box::new(std::io::stderr()), false)
    }

    /// A buffered log, with the thread that writes it out every [`INTERVAL`] and a panic hook
    /// that writes it out before the panic's message.
    pub fn buffered() -> Self {
        let log = Self::to(Box::new(std::io::stderr()), true);
        let background = log.clone();
        // Without the thread, lines are still written when the buffer fills and at exit.
        let _ = std::thread::Builder::new()
            .name("log-writer".to_owned())
            .spawn(move || {
                loop {
                    std::thread::sleep(INTERVAL);
                    background.flush();
                }
            });
        let on_panic = log.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Not if the output is busy: the panic may have come from writing it.
            if let Ok(mut output) = on_panic.output.try_lock() {
                on_panic.write_out(&mut output);
            }
            previous(info);
        }));
        log
    }

    /// Writes what is buffered.
    pub fn flush(&self) {
        let mut output = self.output.lock().unwrap_or_else(PoisonError::into_inner);
        self.write_out(&mut output);
    }

    /// Writes the buffered lines to `output`, which the caller has locked. A log that cannot be
    /// written has nowhere to report it: the lines are dropped.
    fn write_out(&self, output: &mut Output) {
        let lines = {
            let mut buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
            if buffer.is_empty() {
                return;
            }
            // The next lines go to a buffer of the same size, which need not grow line by line.
            let capacity = buffer.capacity().min(2 * CAPACITY);
            std::mem::replace(&mut *buffer, Vec::with_capacity(capacity))
        };
        let _ = output.write_all(&lines);
        let _ = output.flush();
    }
}

/// The writer of one line: buffered, or written at once (after the lines before it) if `urgent`.
#[derive(Debug)]
pub struct Line<'a> {
    log: &'a Log,
    urgent: bool,
}

impl std::io::Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let full = {
            let mut buffer = self.log.buffer.lock().unwrap_or_else(PoisonError::into_inner);
            buffer.extend_from_slice(bytes);
            buffer.len() >= CAPACITY
        };
        if self.urgent || full {
            self.log.flush();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Log {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line {
            log: self,
            urgent: true,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Line<'a> {
        Line {
            log: self,
            // Levels compare by verbosity: WARN and ERROR are the least verbose.
            urgent: !self.buffered || *meta.level() <= Level::WARN,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// What a log wrote out, shared with the test.
    #[derive(Clone, Default)]
    struct Written(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Written {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Written {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn log(buffered: bool) -> (Log, Written) {
        let written = Written::default();
        (Log::to(Box::new(written.clone()), buffered), written)
    }

    #[test]
    fn info_lines_wait_in_the_buffer_and_a_warning_takes_them_along_in_order() {
        let (log, written) = log(true);
        let subscriber = tracing_subscriber::fmt().with_writer(log.clone()).finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("request completed");
            assert_eq!(written.text(), "");
            tracing::warn!("something is wrong");
            let text = written.text();
            let (info, warning) = (text.find("request completed"), text.find("something is wrong"));
            assert!(info.is_some() && info < warning, "{text}");
            tracing::info!("another request");
            log.flush();
            assert!(written.text().contains("another request"));
        });
    }

    #[test]
    fn an_unbuffered_log_writes_every_line_at_once() {
        let (log, written) = log(false);
        let subscriber = tracing_subscriber::fmt().with_writer(log.clone()).finish();
        tracing::subscriber::with_default(subscriber, || tracing::info!("agent removed"));
        assert!(written.text().contains("agent removed"));
    }

    /// What is written of the lines `log_lines` logs under the filter of `directives`.
    fn filtered(directives: Option<&str>, log_lines: impl FnOnce()) -> String {
        use tracing_subscriber::layer::SubscriberExt as _;
        let (log, written) = log(false);
        let subscriber = tracing_subscriber::registry()
            .with(filter(directives).layer())
            .with(tracing_subscriber::fmt::layer().with_writer(log));
        tracing::subscriber::with_default(subscriber, log_lines);
        written.text()
    }

    #[test]
    fn rust_log_says_which_lines_are_written_by_target_level_and_span() {
        let levels = || {
            tracing::debug!(target: "tenantdesk_api", "api debug");
            tracing::info!(target: "tenantdesk_api", "api info");
            tracing::info!(target: "sqlx::query", "sqlx info");
            tracing::warn!(target: "sqlx::query", "sqlx warning");
        };
        let text = filtered(None, levels);
        assert!(
            !text.contains("api debug") && text.contains("api info") && text.contains("sqlx info"),
            "{text}"
        );
        let text = filtered(Some("  "), levels);
        assert!(
            !text.contains("api debug") && text.contains("api info"),
            "blank is info: {text}"
        );
        for unreadable in ["not a directive==", "=debug", "info,=trace"] {
            let text = filtered(Some(unreadable), levels);
            assert!(
                !text.contains("api debug") && text.contains("api info"),
                "{unreadable} is info: {text}"
            );
        }
        // An empty directive is no directive (Targets alone would read it as TRACE for all).
        for stray in ["warn,", ",warn", "warn,,"] {
            let text = filtered(Some(stray), levels);
            assert!(
                !text.contains("api info") && text.contains("sqlx warning"),
                "{stray}: {text}"
            );
        }
        let text = filtered(Some("warn"), levels);
        assert!(!text.contains("api info") && text.contains("sqlx warning"), "{text}");
        let text = filtered(Some("tenantdesk_api=debug,sqlx=warn"), levels);
        assert!(
            text.contains("api debug") && !text.contains("sqlx info") && text.contains("sqlx warning"),
            "{text}"
        );
        assert!(matches!(
            filter(Some("tenantdesk_api=debug,sqlx=warn")),
            Filter::Targets(_)
        ));

        // A directive on a span, with or without fields, is read by the filter that follows spans.
        let directives = "warn,[request{method=GET}]=debug";
        assert!(matches!(filter(Some(directives)), Filter::Spans(_)));
        let text = filtered(Some(directives), || {
            tracing::info_span!("request", method = "GET").in_scope(|| tracing::debug!("inside a GET"));
            tracing::info_span!("request", method = "PATCH").in_scope(|| tracing::debug!("inside a PATCH"));
            tracing::info!("outside");
        });
        assert!(
            text.contains("inside a GET") && !text.contains("inside a PATCH") && !text.contains("outside"),
            "{text}"
        );
        let directives = "warn,[request]=debug";
        assert!(matches!(filter(Some(directives)), Filter::Spans(_)));
        let text = filtered(Some(directives), || {
            tracing::info_span!("request").in_scope(|| tracing::debug!("inside a request"));
            tracing::info_span!("purge").in_scope(|| tracing::debug!("inside a purge"));
        });
        assert!(
            text.contains("inside a request") && !text.contains("inside a purge"),
            "{text}"
        );
    }

    #[test]
    fn times_are_written_as_rfc_3339_to_the_microsecond() {
        let mut second = Second::NONE;
        // A leap day, the turn of a year and of a second, the epoch, and now.
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let times = [
            Duration::new(1_709_164_799, 999_999_999),
            Duration::new(1_709_164_800, 0),
            Duration::new(1_798_761_599, 123_456_789),
            Duration::new(1_798_761_600, 1_000),
            Duration::new(1_798_761_600, 999_000),
            Duration::ZERO,
            now,
        ];
        for time in times {
            let mut text = String::new();
            write_time(time, &mut second, &mut text).unwrap();
            let expected = chrono::DateTime::from_timestamp(time.as_secs() as i64, time.subsec_nanos())
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            assert_eq!(text, expected);
        }

        // As tracing-subscriber's own clock writes it.
        let (mut ours, mut theirs) = (String::new(), String::new());
        Clock.format_time(&mut Writer::new(&mut ours)).unwrap();
        tracing_subscriber::fmt::time::SystemTime
            .format_time(&mut Writer::new(&mut theirs))
            .unwrap();
        let parse = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap();
        assert_eq!(ours.len(), theirs.len(), "{ours} {theirs}");
        assert!(
            (parse(&theirs) - parse(&ours)).num_seconds().abs() < 2,
            "{ours} {theirs}"
        );
    }

    #[test]
    fn a_full_buffer_is_written_out() {
        let (log, written) = log(true);
        let mut line = Line {
            log: &log,
            urgent: false,
        };
        line.write_all(&vec![b'x'; CAPACITY - 1]).unwrap();
        assert_eq!(written.text(), "");
        line.write_all(b"x").unwrap();
        assert_eq!(written.text().len(), CAPACITY);
    }
}
