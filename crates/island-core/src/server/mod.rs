//! The socket server: accepts connections, checks every peer's uid, frames
//! and decodes lines, and hands messages to the host. A connection whose
//! whole life is in the socket when it is accepted (upstream's one line) is
//! read at once (`whole`); any other gets its own task, so no connection
//! can delay another; every buffer is capped.
//!
//! Over 400 lines: the accept loop, the connection task and the limits and
//! counters they share are one unit; the one-line path is apart already.

mod whole;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use island_protocol::{AgentMessage, Counters, decode_agent_line};
use std::os::unix::net::{UnixListener as StdListener, UnixStream as StdStream};

use nix::sys::socket::sockopt::PeerCredentials;
use tokio::io::unix::AsyncFd;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio_util::codec::FramedRead;

use crate::framing::{Frame, LineFramer};
use crate::peer_order::{PeerOrder, Turn, is_control};
use crate::tracker::{ConnId, Peer};
use crate::writer::Writer;
use whole::{Early, bad_line, oversized_line, read_at_once};

/// How long after a storm's last connection its memory is given back.
const TRIM_AFTER: Duration = Duration::from_secs(2);

/// Limits of the server.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Longest line accepted; longer ones are skipped and counted.
    pub max_line_bytes: usize,
    /// Agent connections open at once. At the cap Island stops accepting
    /// until one closes: more wait in the listen backlog (a blocking
    /// connect waits), none is closed unread, so no event is lost.
    pub max_connections: usize,
    /// Connections open at once on the control socket (`status`, `watch`,
    /// `decide`, `focus`), which a flood of agents cannot fill; past it a
    /// control client is closed at once and counted (`refused_full`), so
    /// that it fails with an error rather than hang.
    pub max_control_connections: usize,
    /// A connection must send its first line within this time.
    pub first_line_timeout: Duration,
    /// A write to a client that takes longer closes that client.
    pub write_timeout: Duration,
    /// Lines queued for one client before it is closed as too slow.
    pub outbound_queue: usize,
    /// Bytes queued for one client before it is closed as too slow.
    pub outbound_bytes: usize,
    /// A line begun and not finished within this time closes its
    /// connection (between lines a connection may stay idle for ever).
    pub half_line_timeout: Duration,
    /// Bytes of unfinished lines held for all connections together; past
    /// it, a connection holding more than 64 KiB of one is closed.
    pub max_buffered_bytes: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_line_bytes: island_protocol::DEFAULT_MAX_LINE_BYTES,
            max_connections: 4096,
            max_control_connections: 64,
            first_line_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(5),
            outbound_queue: 1024,
            outbound_bytes: 16 * 1024 * 1024,
            half_line_timeout: Duration::from_secs(30),
            max_buffered_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Server counters, shared with the host for snapshots.
#[derive(Debug, Default)]
pub struct ServerCounters {
    /// Connections accepted (same user).
    pub connections: AtomicU64,
    /// Lines read.
    pub lines: AtomicU64,
    /// Lines that were not JSON or fit no message.
    pub malformed: AtomicU64,
    /// Lines over the cap.
    pub oversized: AtomicU64,
    /// Connections refused for another uid.
    pub refused_peers: AtomicU64,
    /// Connections refused over the connection limit.
    pub refused_full: AtomicU64,
    /// Connections closed for sending no line in time.
    pub timed_out: AtomicU64,
    open: AtomicUsize,
    /// Bytes of unfinished lines held for all connections.
    buffered: Arc<AtomicUsize>,
}

impl ServerCounters {
    /// Bytes of unfinished lines held for all connections now.
    #[must_use]
    pub fn buffered_bytes(&self) -> usize {
        self.buffered.load(Ordering::Relaxed)
    }

    /// Connections open now.
    #[must_use]
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// The counters of PROTOCOL 5b.
    #[must_use]
    pub fn snapshot(&self) -> Counters {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Counters {
            connections: get(&self.connections),
            lines: get(&self.lines),
            malformed: get(&self.malformed),
            oversized: get(&self.oversized),
            refused_peers: get(&self.refused_peers),
            refused_full: get(&self.refused_full),
            timed_out: get(&self.timed_out),
            // The reducer's own: it adds them.
            refused_sessions: 0,
            refused_approvals: 0,
            refused_answers: 0,
        }
    }

    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the server tells the host.
#[derive(Debug)]
pub enum Inbound {
    /// A same-user connection was accepted; lines for it go to `outbound`.
    Opened {
        /// The connection.
        conn: ConnId,
        /// Its peer.
        peer: Peer,
        /// Where to queue lines for it.
        outbound: OutQueue,
    },
    /// A decoded line.
    Message {
        /// The connection.
        conn: ConnId,
        /// The message.
        message: AgentMessage,
    },
    /// The connection closed.
    Closed {
        /// The connection.
        conn: ConnId,
    },
    /// A connection's whole life at once: opened, these lines, closed
    /// (upstream's one line per connection; no control request, so
    /// nothing is sent back).
    Whole {
        /// The connection.
        conn: ConnId,
        /// Its peer.
        peer: Peer,
        /// Its lines, in order.
        messages: Vec<AgentMessage>,
    },
}

/// What the host sends to a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// One encoded line, newline included. Shared: one snapshot line goes
    /// to every watcher without a copy each.
    Line(bytes::Bytes),
    /// Close after what was queued.
    Close,
}

/// A connection's outbound queue, bounded in lines and in bytes: a client
/// that does not read is closed when either fills, so that watchers that
/// never read cannot grow Island.
#[derive(Debug, Clone)]
pub struct OutQueue {
    sender: mpsc::Sender<Outbound>,
    queued: Arc<AtomicUsize>,
    max_bytes: usize,
}

/// The queue of a client that is not reading is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull;

impl OutQueue {
    /// A queue of at most `lines` lines and `max_bytes` bytes, and the
    /// receiving end for the connection's writer.
    #[must_use]
    pub fn new(lines: usize, max_bytes: usize) -> (Self, OutReceiver) {
        let (sender, receiver) = mpsc::channel(lines);
        let queued = Arc::new(AtomicUsize::new(0));
        (
            Self {
                sender,
                queued: Arc::clone(&queued),
                max_bytes,
            },
            OutReceiver { receiver, queued },
        )
    }

    /// Queues a line.
    ///
    /// # Errors
    /// [`QueueFull`] when the queue holds as many lines or bytes as it may,
    /// or the connection is gone.
    pub fn line(&self, line: bytes::Bytes) -> Result<(), QueueFull> {
        let len = line.len();
        if self.queued.load(Ordering::Relaxed) + len > self.max_bytes {
            return Err(QueueFull);
        }
        self.queued.fetch_add(len, Ordering::Relaxed);
        self.sender.try_send(Outbound::Line(line)).map_err(|_| {
            self.queued.fetch_sub(len, Ordering::Relaxed);
            QueueFull
        })
    }

    /// Asks the writer to close after what was queued.
    pub fn close(&self) {
        let _ = self.sender.try_send(Outbound::Close); // full: the client is gone or stuck
    }

    /// Bytes queued now.
    #[must_use]
    pub fn queued_bytes(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }
}

/// The writer's end of an [`OutQueue`].
#[derive(Debug)]
pub struct OutReceiver {
    receiver: mpsc::Receiver<Outbound>,
    queued: Arc<AtomicUsize>,
}

impl OutReceiver {
    /// The next item, counted out of the queue.
    pub async fn recv(&mut self) -> Option<Outbound> {
        let item = self.receiver.recv().await?;
        if let Outbound::Line(line) = &item {
            self.queued.fetch_sub(line.len(), Ordering::Relaxed);
        }
        Some(item)
    }
}

/// Accepts connections until `shutdown` resolves; then closes the
/// listener and every open connection.
pub async fn serve(
    listener: UnixListener,
    limits: ServerLimits,
    counters: Arc<ServerCounters>,
    inbound: mpsc::Sender<Inbound>,
    shutdown: impl Future<Output = ()>,
) {
    serve_from(listener, 0, limits, counters, inbound, shutdown).await;
}

/// [`serve`] for Island's control socket (`control_path`), beside the
/// main one: its own accept loop and listen backlog, so that a storm of
/// upstream connections on the main socket cannot keep Island's own
/// clients (`status`, `approve`, hooks) waiting. Its connection ids are
/// apart from the main socket's.
pub async fn serve_control(
    listener: UnixListener,
    limits: ServerLimits,
    counters: Arc<ServerCounters>,
    inbound: mpsc::Sender<Inbound>,
    shutdown: impl Future<Output = ()>,
) {
    serve_from(listener, 1 << 62, limits, counters, inbound, shutdown).await;
}

/// The control socket of the Island whose socket is `socket`:
/// `SOCKET.ctl`.
#[must_use]
pub fn control_path(socket: &std::path::Path) -> std::path::PathBuf {
    let mut name = socket.file_name().unwrap_or_default().to_os_string();
    name.push(".ctl");
    socket.with_file_name(name)
}

async fn serve_from(
    listener: UnixListener,
    first_id: u64,
    limits: ServerLimits,
    counters: Arc<ServerCounters>,
    inbound: mpsc::Sender<Inbound>,
    shutdown: impl Future<Output = ()>,
) {
    // Accepted by hand (`accept`): a connection read whole at once is
    // never registered with the poller.
    let listener = match listener.into_std().and_then(watch_listener) {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!("cannot serve the socket: {e}");
            return;
        }
    };
    let me = nix::unistd::geteuid().as_raw();
    let mut quiet = QuietLogs::default();
    let mut next_id = first_id;
    let mut order = PeerOrder::default();
    let mut starts = RecentStarts::default();
    // Connections accepted since the allocator last gave memory back, and
    // when to look again whether a storm has passed (armed only by one: an
    // idle Island is never woken for this).
    let mut since_trim = 0u64;
    let mut trim_at: Option<tokio::time::Instant> = None;
    let mut tasks = tokio::task::JoinSet::new();
    let mut scratch = Vec::new();
    let on_control = first_id != 0;
    let mut was_at_cap = false;
    tokio::pin!(shutdown);
    loop {
        let at_cap = !on_control && tasks.len() >= limits.max_connections;
        if at_cap && !was_at_cap {
            if let Some(more) = quiet.full.admit() {
                tracing::warn!(
                    "{} connections are open: new ones wait until one closes{more}",
                    limits.max_connections
                );
            }
        }
        was_at_cap = at_cap;
        let accepted = tokio::select! {
            () = &mut shutdown => {
                tasks.shutdown().await;
                return;
            }
            // At the agent cap, new connections wait in the backlog.
            accepted = accept(&listener), if !at_cap => accepted,
            // Reap finished connection tasks so the set stays small.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            // Two seconds after the last connection of a storm (a thousand
            // or more), with few open: give the memory it used back to the
            // system, which the allocator would keep otherwise.
            () = tokio::time::sleep_until(trim_at.unwrap_or_else(tokio::time::Instant::now)),
                if trim_at.is_some() =>
            {
                trim_at = None;
                if counters.open() < 64 {
                    since_trim = 0;
                    drop(tokio::task::spawn_blocking(crate::platform::release_freed_memory));
                } else {
                    trim_at = Some(tokio::time::Instant::now() + TRIM_AFTER);
                }
                continue;
            }
        };
        let stream = match accepted.and_then(|s| s.set_nonblocking(true).map(|()| s)) {
            Ok(stream) => stream,
            Err(e) => {
                // EMFILE and friends: wait a little rather than spin.
                if let Some(more) = quiet.accept_failed.admit() {
                    tracing::warn!("accept failed: {e}{more}");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let cred = match nix::sys::socket::getsockopt(&stream, PeerCredentials) {
            Ok(cred) => cred,
            Err(e) => {
                tracing::warn!("cannot read a peer's credentials, closing it: {e}");
                ServerCounters::bump(&counters.refused_peers);
                continue;
            }
        };
        if cred.uid() != me {
            ServerCounters::bump(&counters.refused_peers);
            if let Some(more) = quiet.foreign.admit() {
                tracing::warn!(
                    uid = cred.uid(),
                    "refused a connection from another user{more}"
                );
            }
            continue;
        }
        // The control socket's own bound: its clients fail at once rather
        // than wait (the agents' socket waits instead, above).
        if on_control && tasks.len() >= limits.max_control_connections {
            ServerCounters::bump(&counters.refused_full);
            if let Some(more) = quiet.full.admit() {
                tracing::warn!(
                    "refused a control connection: {} are open already{more}",
                    limits.max_control_connections
                );
            }
            continue;
        }
        next_id += 1;
        let conn = ConnId(next_id);
        let pid = u32::try_from(cred.pid()).ok().filter(|pid| *pid != 0);
        let peer = Peer {
            pid,
            start_time: pid.and_then(|pid| starts.of(pid)),
        };
        ServerCounters::bump(&counters.connections);
        since_trim += 1;
        if since_trim >= 1000 {
            trim_at = Some(tokio::time::Instant::now() + TRIM_AFTER);
        }
        // A one-line connection is done here, in accept order, when its
        // peer has no earlier connection still waiting its turn.
        let begun = match read_at_once(&stream, &mut scratch, &limits, &counters, conn) {
            Early::Whole(messages) => {
                drop(stream);
                let whole = Inbound::Whole {
                    conn,
                    peer,
                    messages,
                };
                if order.is_clear(peer) {
                    if inbound.send(whole).await.is_err() {
                        return; // the host is gone: shutting down
                    }
                } else {
                    // After the peer's connections still waiting their turn.
                    let mut turn = order.next(peer);
                    let inbound = inbound.clone();
                    tasks.spawn(async move {
                        turn.wait().await;
                        let _ = inbound.send(whole).await; // the host may be gone
                        turn.pass().await;
                    });
                }
                continue;
            }
            Early::Begun(bytes) => bytes,
        };
        let stream = match UnixStream::from_std(stream) {
            Ok(stream) => stream,
            Err(e) => {
                tracing::warn!("cannot watch a connection, closing it: {e}");
                continue;
            }
        };
        counters.open.fetch_add(1, Ordering::Relaxed);
        let turn = order.next(peer);
        let (counters, inbound, limits) = (Arc::clone(&counters), inbound.clone(), limits.clone());
        tasks.spawn(async move {
            let _open = OpenGuard(&counters);
            connection(
                stream,
                begun,
                (conn, turn),
                peer,
                &limits,
                &counters,
                &inbound,
            )
            .await;
        });
    }
}

/// Registers a listening socket with the poller.
#[allow(unsafe_code)]
fn watch_listener(listener: StdListener) -> std::io::Result<AsyncFd<StdListener>> {
    // SAFETY: the listener is moved in and owned by the `AsyncFd` for its
    // whole life, so its descriptor stays open and stays the same one.
    unsafe { AsyncFd::register_with_interest(listener, tokio::io::Interest::READABLE) }
        .map_err(std::io::Error::from)
}

/// The next connection on `listener`: one `accept` call while connections
/// wait, the poller only when none does.
async fn accept(listener: &AsyncFd<StdListener>) -> std::io::Result<StdStream> {
    loop {
        let mut ready = listener.readable().await?;
        if let Ok(accepted) = ready.try_io(|l| l.get_ref().accept()) {
            return accepted.map(|(stream, _)| stream);
        }
    }
}

/// A storm of refusals logs one line a second per kind, not one per
/// connection; every refusal is still counted in the snapshot.
#[derive(Debug, Default)]
struct QuietLogs {
    accept_failed: LogGate,
    foreign: LogGate,
    full: LogGate,
}

/// Lets one log line through per second, and says how many it held back.
#[derive(Debug, Default)]
struct LogGate {
    last: Option<std::time::Instant>,
    held: u64,
}

impl LogGate {
    /// `Some(suffix)` when a line may be logged now; the suffix counts the
    /// lines held back since the last one.
    fn admit(&mut self) -> Option<String> {
        let now = std::time::Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < Duration::from_secs(1))
        {
            self.held += 1;
            return None;
        }
        self.last = Some(now);
        let suffix = match std::mem::take(&mut self.held) {
            0 => String::new(),
            n => format!(" ({n} more like it in the last second, not logged)"),
        };
        Some(suffix)
    }
}

/// Counts a connection as open for as long as its task lives, aborted or
/// not.
struct OpenGuard<'a>(&'a ServerCounters);

impl Drop for OpenGuard<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn connection(
    stream: UnixStream,
    begun: bytes::Bytes,
    (conn, mut turn): (ConnId, Turn),
    peer: Peer,
    limits: &ServerLimits,
    counters: &ServerCounters,
    inbound: &mpsc::Sender<Inbound>,
) {
    let (read, write) = stream.into_split();
    // What the accept loop read already comes first.
    let read = tokio::io::AsyncReadExt::chain(std::io::Cursor::new(begun), read);
    let framer = LineFramer::with_budget(
        limits.max_line_bytes,
        Arc::clone(&counters.buffered),
        limits.max_buffered_bytes,
    );
    // Small to begin with: a storm holds thousands of connections at once,
    // most of them one short line; a long line grows its own buffer.
    let mut frames = FramedRead::with_capacity(read, framer, 1024);
    let (outbound, queue) = OutQueue::new(limits.outbound_queue, limits.outbound_bytes);
    // No writer task until Island has a line for this client: most
    // upstream connections never get one.
    let mut writer = Writer::new(write, queue, limits.write_timeout);
    if inbound
        .send(Inbound::Opened {
            conn,
            peer,
            outbound,
        })
        .await
        .is_err()
    {
        return; // the host is gone: shutting down
    }
    let mut first = true;
    loop {
        let next = if first {
            match tokio::time::timeout(limits.first_line_timeout, writer.next_frame(&mut frames))
                .await
            {
                Ok(next) => next,
                Err(_) => {
                    ServerCounters::bump(&counters.timed_out);
                    tracing::debug!(
                        conn = conn.0,
                        "closed a connection that sent no line in time"
                    );
                    break;
                }
            }
        } else {
            // Idle between lines for as long as the agent likes; a line
            // begun must end within `half_line_timeout`.
            loop {
                match tokio::time::timeout(limits.half_line_timeout, writer.next_frame(&mut frames))
                    .await
                {
                    Ok(next) => break next,
                    Err(_) if !frames.decoder().in_line(frames.read_buffer().len()) => {}
                    Err(_) => {
                        ServerCounters::bump(&counters.timed_out);
                        tracing::debug!(conn = conn.0, "closed a connection stuck in a line");
                        break None;
                    }
                }
            }
        };
        let frame = match next {
            Some(Ok(frame)) => frame,
            Some(Err(e)) => {
                tracing::debug!(conn = conn.0, "read failed: {e}");
                break;
            }
            None => break,
        };
        let line = match frame {
            Frame::Oversized { len } => {
                oversized_line(len, limits, counters, conn);
                first = false;
                continue;
            }
            Frame::Line(line) => line,
        };
        first = false;
        ServerCounters::bump(&counters.lines);
        match decode_agent_line(&line) {
            Ok(message) => {
                // A peer's lines keep the order their connections were
                // accepted in: the first line waits for the connections
                // before it (a control request need not).
                let control = is_control(&message);
                if !control {
                    turn.wait().await;
                }
                let sent = inbound.send(Inbound::Message { conn, message }).await;
                if control {
                    turn.hand_over();
                } else {
                    turn.pass().await;
                }
                if sent.is_err() {
                    break;
                }
            }
            Err(e) => bad_line(&e, counters, conn),
        }
    }
    // A connection that sent nothing still passes its turn on in order.
    turn.hand_over();
    // The host drops its sender on Closed, which ends the writer after it
    // has written what was queued.
    let _ = inbound.send(Inbound::Closed { conn }).await; // the host may be gone
    writer.finish(limits.write_timeout).await; // best effort
}

/// Process start times read in the last second, by pid: upstream's sink
/// connects thousands of times a second from one process, and reading
/// `/proc/PID/stat` for each would slow the accept loop. A pid given to a
/// new process within that second is the one case it would miss.
#[derive(Default)]
struct RecentStarts {
    read_at: Option<std::time::Instant>,
    starts: HashMap<u32, Option<u64>>,
}

impl RecentStarts {
    fn of(&mut self, pid: u32) -> Option<u64> {
        let now = std::time::Instant::now();
        if self
            .read_at
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1))
        {
            self.starts.clear();
            self.read_at = Some(now);
        }
        *self
            .starts
            .entry(pid)
            .or_insert_with(|| crate::platform::process_start_time(pid))
    }
}
