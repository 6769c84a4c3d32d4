//! Where log lines go: stderr, through a buffer while the service runs.
//!
//! For `serve`, a line of level `INFO` or below (a request's line, above all) is appended to a buffer in memory,
//! which a thread of its own writes to stderr every [`INTERVAL`], or at once when it passes
//! [`CAPACITY`]; a warning or an error is written at once, after the lines before it. The process
//! writes what is buffered before it exits, and when it panics. Writing each request's line on its
//! own cost a system call per request, a tenth of a GET's time at full load (BENCHMARKS.md); a line
//! now reaches stderr at most [`INTERVAL`] after it was logged. The other commands write every
//! line at once, in order with what they print.

use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait in the buffer.
const INTERVAL: Duration = Duration::from_millis(50);
/// A buffer this full is written at once.
const CAPACITY: usize = 64 * 1024;

/// The log's destination: stderr, through a buffer shared by the clones if `buffered`.
#[derive(Clone, Debug, Default)]
pub struct Log {
    buffer: Arc<Mutex<Vec<u8>>>,
    buffered: bool,
}

impl Log {
    /// A log that writes each line at once.
    pub fn unbuffered() -> Self {
        Self::default()
    }

    /// A buffered log, with the thread that writes it out every [`INTERVAL`] and a panic hook
    /// that writes it out before the panic's message.
    pub fn buffered() -> Self {
        let log = Self {
            buffered: true,
            ..Self::default()
        };
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
            on_panic.flush();
            previous(info);
        }));
        log
    }

    /// Writes what is buffered to stderr.
    pub fn flush(&self) {
        let mut buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        write_out(&mut buffer);
    }
}

/// Writes `buffer` to stderr and empties it. A log that cannot be written has nowhere to report
/// it: the lines are dropped.
fn write_out(buffer: &mut Vec<u8>) {
    if !buffer.is_empty() {
        let _ = std::io::stderr().lock().write_all(buffer);
        buffer.clear();
    }
}

/// The writer of one line: buffered, or written at once if `urgent`.
#[derive(Debug)]
pub struct Line<'a> {
    log: &'a Log,
    urgent: bool,
}

impl std::io::Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self.log.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        buffer.extend_from_slice(bytes);
        if self.urgent || buffer.len() >= CAPACITY {
            write_out(&mut buffer);
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

    fn buffered(log: &Log) -> String {
        String::from_utf8(log.buffer.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn info_lines_wait_in_the_buffer_and_a_warning_takes_them_along() {
        let log = Log {
            buffered: true,
            ..Log::default()
        };
        let subscriber = tracing_subscriber::fmt().with_writer(log.clone()).finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("request completed");
            assert!(buffered(&log).contains("request completed"));
            tracing::warn!("something is wrong");
            assert_eq!(buffered(&log), "", "a warning is written out with what was buffered");
            tracing::error!("something failed");
            assert_eq!(buffered(&log), "");
        });
    }

    #[test]
    fn an_unbuffered_log_writes_every_line_at_once() {
        let log = Log::unbuffered();
        let subscriber = tracing_subscriber::fmt().with_writer(log.clone()).finish();
        tracing::subscriber::with_default(subscriber, || tracing::info!("agent removed"));
        assert_eq!(buffered(&log), "");
    }

    #[test]
    fn a_full_buffer_is_written_out() {
        let log = Log::default();
        let mut line = log.make_writer();
        line.urgent = false;
        line.write_all(&vec![b'x'; CAPACITY - 1]).unwrap();
        assert_eq!(buffered(&log).len(), CAPACITY - 1);
        line.write_all(b"x").unwrap();
        assert_eq!(buffered(&log), "");
        log.flush();
    }
}
