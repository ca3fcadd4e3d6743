//! The Island sink on Unix: one background task owns the connection.
//!
//! Over 400 lines: one background task's whole life (connect, hello,
//! replay, backoff, decisions, close), which reads best in one place.

use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use island_protocol::{
    AgentMessage, EventEnvelope, IslandMessage, decode_island_line, encode_line,
};
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

use super::UnixSocketOptions;
use super::replay::{Offline, Replay, is_approval_event};
use crate::dispatcher::DecisionInbox;
use crate::queue::is_critical;
use crate::runtime::spawn_background;
use crate::sink::{CounterCells, HookSink, QueueCore, SinkCounters};

/// Streams events to Island; see the module docs.
#[derive(Debug)]
pub struct UnixSocketHookSink {
    core: Arc<QueueCore>,
    inbox: Arc<OnceLock<DecisionInbox>>,
}

impl UnixSocketHookSink {
    /// Starts the background task. Nothing connects until the first event.
    #[must_use]
    pub fn new(options: UnixSocketOptions) -> Self {
        let core = QueueCore::new("unix-socket", options.limits);
        let inbox = Arc::new(OnceLock::new());
        let task = Connector {
            core: Arc::clone(&core),
            inbox: Arc::clone(&inbox),
            replay: Replay::new(options.offline_backlog, options.offline_max_age),
            backoff: options.initial_backoff,
            options,
        };
        spawn_background("unix-socket", task.run());
        Self { core, inbox }
    }
}

impl HookSink for UnixSocketHookSink {
    fn name(&self) -> &'static str {
        self.core.name
    }
    fn emit(&self, event: &Arc<EventEnvelope>) {
        self.core.push(event);
    }
    fn counters(&self) -> SinkCounters {
        self.core.snapshot()
    }
    fn attach_decisions(&self, inbox: DecisionInbox) {
        // Only the first dispatcher gets the decisions; a sink belongs to one.
        let _ = self.inbox.set(inbox);
    }
}

impl Drop for UnixSocketHookSink {
    fn drop(&mut self) {
        self.core.close();
    }
}

/// One live connection.
struct LiveConnection {
    writer: OwnedWriteHalf,
    reader: JoinHandle<()>,
    closed: oneshot::Receiver<()>,
    since: Instant,
}

impl Drop for LiveConnection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

struct Connector {
    core: Arc<QueueCore>,
    inbox: Arc<OnceLock<DecisionInbox>>,
    options: UnixSocketOptions,
    replay: Replay,
    backoff: Duration,
}

/// Batches at least this large mean the agent is streaming fast.
const SMALL_BATCH: u64 = 32;
/// How long a fast stream may accumulate before the next write.
const BATCH_PAUSE: Duration = Duration::from_millis(1);

/// A connection that lived this long proves Island healthy: the backoff
/// starts over after it ends.
const HEALTHY: Duration = Duration::from_secs(2);

impl Connector {
    async fn run(mut self) {
        let mut link: Option<LiveConnection> = None;
        let mut ever_connected = false;
        let mut next_attempt = Instant::now();
        let mut buf = Vec::with_capacity(64 * 1024);
        let mut batch = VecDeque::new();
        // Turn events and errors of the batch being written: if the write
        // fails they go to the offline backlog rather than being lost.
        // (Approvals need no such care: the replay re-sends them.)
        let mut must_keep: Vec<Arc<EventEnvelope>> = Vec::new();
        loop {
            if let Some(live) = link.as_mut() {
                self.core.take_into(&mut batch);
                if batch.is_empty() {
                    if self.core.is_closed() {
                        let _ = live.writer.shutdown().await; // best effort at exit
                        return;
                    }
                    tokio::select! {
                        () = self.core.woken() => continue,
                        _ = &mut live.closed => {}
                    }
                } else {
                    buf.clear();
                    must_keep.clear();
                    let mut lines = 0;
                    for item in batch.drain(..) {
                        let event = item.into_envelope();
                        if encode_into(&self.core, &event, &mut buf) {
                            self.replay.sent(&event);
                            if is_critical(&event.event) && !is_approval_event(&event.event) {
                                must_keep.push(Arc::clone(&event));
                            }
                            lines += 1;
                        }
                    }
                    match tokio::time::timeout(
                        self.options.write_timeout,
                        live.writer.write_all(&buf),
                    )
                    .await
                    {
                        Ok(Ok(())) => {
                            CounterCells::add(&self.core.counters.sent, lines);
                            if lines >= SMALL_BATCH {
                                // A busy stream: let the next batch grow for
                                // a moment, so that each wake-up and write
                                // carries many lines instead of a few. A
                                // lone event is still written at once.
                                tokio::time::sleep(BATCH_PAUSE).await;
                            }
                            continue;
                        }
                        Ok(Err(e)) => self
                            .core
                            .error(&format_args!("write to Island failed: {e}")),
                        Err(_) => self
                            .core
                            .error(&"Island did not read for too long; reconnecting"),
                    }
                    let now = std::time::Instant::now();
                    let kept = must_keep.len() as u64;
                    for event in must_keep.drain(..) {
                        self.replay.offline(event, now);
                    }
                    CounterCells::add(&self.core.counters.discarded, lines.saturating_sub(kept));
                }
                // The connection ended: start over with a fresh one.
                let lived = link.take().map_or(Duration::ZERO, |l| l.since.elapsed());
                if lived >= HEALTHY {
                    self.backoff = self.options.initial_backoff;
                }
                next_attempt = Instant::now() + self.next_backoff();
                tracing::debug!("Island connection closed after {lived:?}");
                continue;
            }

            // Offline. Connect first when due, so that events emitted while
            // an Island is listening are never mistaken for offline ones.
            let wanted = ever_connected || self.replay.has_pending() || !self.core.is_empty();
            if wanted && Instant::now() >= next_attempt {
                match self.connect().await {
                    Ok(live) => {
                        if ever_connected {
                            CounterCells::add(&self.core.counters.reconnects, 1);
                        }
                        ever_connected = true;
                        link = Some(live);
                        continue;
                    }
                    Err(e) => {
                        tracing::debug!(
                            "Island not reachable at {}: {e}",
                            self.options.path.display()
                        );
                        next_attempt = Instant::now() + self.next_backoff();
                    }
                }
            }
            // Still offline: keep what is worth keeping, drop deltas.
            self.core.take_into(&mut batch);
            let drained = !batch.is_empty();
            let busy = batch.len() as u64 >= SMALL_BATCH;
            let now = std::time::Instant::now();
            for item in batch.drain(..) {
                let counters = &self.core.counters;
                match self.replay.offline(item.into_envelope(), now) {
                    Offline::Kept => {}
                    Offline::DroppedDelta => CounterCells::add(&counters.dropped, 1),
                    Offline::KeptEvictingOldest => CounterCells::add(&counters.discarded, 1),
                    Offline::Absorbed(n) => CounterCells::add(&counters.discarded, n),
                }
            }
            self.core
                .counters
                .held
                .store(self.replay.held(), std::sync::atomic::Ordering::Relaxed);
            if self.core.is_closed() && !drained {
                self.discard_pending();
                return;
            }
            if drained {
                if busy {
                    // As when connected: let a fast stream accumulate, so
                    // that the agent's emits rarely have to wake this task.
                    tokio::time::sleep(BATCH_PAUSE).await;
                }
                continue;
            }
            let wanted = ever_connected || self.replay.has_pending();
            if wanted {
                tokio::select! {
                    () = self.core.woken() => {}
                    () = tokio::time::sleep_until(next_attempt) => {}
                }
            } else {
                self.core.woken().await;
            }
        }
    }

    /// The wait before the next connect: doubles up to the cap, with
    /// ±20 % jitter so that many sessions do not reconnect in lockstep.
    fn next_backoff(&mut self) -> Duration {
        let current = self.backoff;
        self.backoff = (self.backoff * 2).min(self.options.max_backoff);
        current.mul_f64(0.8 + fastrand::f64() * 0.4)
    }

    /// Connects, then writes the hello, the backlog and the open approvals.
    async fn connect(&mut self) -> std::io::Result<LiveConnection> {
        // Only an Island of this user may see the session and answer its
        // approvals: a socket path in a shared place could belong to
        // anyone (PROTOCOL 5d). The directories on the way, then the
        // listener, before a byte is written.
        let me = island_protocol::trust::my_uid();
        let core = &self.core;
        let refuse = |e: island_protocol::trust::TrustError| {
            core.error(&format_args!("refusing the Island socket: {e}"));
            std::io::Error::new(std::io::ErrorKind::PermissionDenied, e.to_string())
        };
        match island_protocol::trust::check_ancestors(&self.options.path, me) {
            Err(island_protocol::trust::TrustError::Io { source, .. }) => return Err(source),
            Err(e) => return Err(refuse(e)),
            Ok(()) => {}
        }
        let stream = UnixStream::connect(&self.options.path).await?;
        if let Err(e) = island_protocol::trust::check_listener(&stream, &self.options.path, me) {
            return Err(refuse(e));
        }
        let (closed_tx, closed) = oneshot::channel();
        let inbox = self.inbox.get().cloned();
        let mut hello = self.options.session.hello(inbox.is_some());
        // Island's socket through an SSH forward: say which machine this is.
        hello.host = island_protocol::trust::forwarded_from_here(&stream);
        let (read, mut writer) = stream.into_split();
        let reader = tokio::spawn(read_decisions(
            read,
            inbox,
            self.options.max_line_bytes,
            closed_tx,
        ));

        let resend = self.replay.on_connect(std::time::Instant::now());
        self.core
            .counters
            .held
            .store(0, std::sync::atomic::Ordering::Relaxed);
        CounterCells::add(&self.core.counters.discarded, resend.expired);
        let mut buf =
            encode_line(&AgentMessage::Hello(Box::new(hello))).map_err(std::io::Error::other)?;
        let mut first_time = 0;
        for event in &resend.replayed {
            encode_into(&self.core, event, &mut buf);
        }
        for event in &resend.first_time {
            if encode_into(&self.core, event, &mut buf) {
                first_time += 1;
            }
        }
        let written =
            tokio::time::timeout(self.options.write_timeout, writer.write_all(&buf)).await;
        match written {
            Ok(Ok(())) => {
                CounterCells::add(&self.core.counters.sent, first_time);
                tracing::debug!(
                    replayed = resend.replayed.len(),
                    backlog = first_time,
                    "connected to Island at {}",
                    self.options.path.display()
                );
                Ok(LiveConnection {
                    writer,
                    reader,
                    closed,
                    since: Instant::now(),
                })
            }
            Ok(Err(e)) => {
                reader.abort();
                self.keep_for_next_connection(resend.first_time);
                Err(e)
            }
            Err(_) => {
                reader.abort();
                self.keep_for_next_connection(resend.first_time);
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "Island did not read the hello",
                ))
            }
        }
    }

    /// A connection failed before it carried what was kept for it: keep it
    /// for the next one. Approval events stay with the replay (already
    /// marked delivered, they are re-sent on every connect).
    fn keep_for_next_connection(&mut self, events: Vec<Arc<EventEnvelope>>) {
        let now = std::time::Instant::now();
        for event in events {
            if !is_approval_event(&event.event) {
                self.replay.offline(event, now);
            }
        }
        self.core
            .counters
            .held
            .store(self.replay.held(), std::sync::atomic::Ordering::Relaxed);
    }

    /// At exit with no Island: whatever was kept will never be sent.
    fn discard_pending(&mut self) {
        let resend = self.replay.on_connect(std::time::Instant::now());
        let n = resend.expired + resend.first_time.len() as u64;
        self.core
            .counters
            .held
            .store(0, std::sync::atomic::Ordering::Relaxed);
        CounterCells::add(&self.core.counters.discarded, n);
    }
}

fn encode_into(core: &QueueCore, event: &EventEnvelope, buf: &mut Vec<u8>) -> bool {
    match serde_json::to_writer(&mut *buf, event) {
        Ok(()) => {
            buf.push(b'\n');
            true
        }
        Err(e) => {
            core.error(&format_args!("cannot encode an event: {e}"));
            CounterCells::add(&core.counters.discarded, 1);
            false
        }
    }
}

/// Reads Island's lines until the connection ends; decisions go to the
/// dispatcher. Anything else Island sends is logged and skipped.
async fn read_decisions(
    read: tokio::net::unix::OwnedReadHalf,
    inbox: Option<DecisionInbox>,
    max_line_bytes: usize,
    closed: oneshot::Sender<()>,
) {
    let mut lines = FramedRead::new(read, LinesCodec::new_with_max_length(max_line_bytes));
    while let Some(line) = lines.next().await {
        let line = match line {
            Ok(line) => line,
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                tracing::warn!("skipped a line from Island over {max_line_bytes} bytes");
                continue;
            }
            Err(LinesCodecError::Io(e)) => {
                tracing::debug!("reading from Island failed: {e}");
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match decode_island_line(line.as_bytes()) {
            Ok(IslandMessage::Decision(decision)) => match &inbox {
                Some(inbox) => {
                    let id = decision.approval_id.clone();
                    if !inbox.deliver(decision) {
                        tracing::debug!(
                            "ignored a decision for approval {id}: not open (answered already?)"
                        );
                    }
                }
                None => tracing::debug!("ignored a decision: this sink has no dispatcher"),
            },
            Ok(IslandMessage::Welcome(w)) => {
                tracing::debug!("Island {} speaks protocol {}", w.island_version, w.protocol);
            }
            Ok(other) => tracing::debug!("ignored a message from Island: {other:?}"),
            Err(e) => tracing::warn!("skipped a bad line from Island: {e}"),
        }
    }
    // The writer may already be gone; then nobody needs the signal.
    let _ = closed.send(());
}
