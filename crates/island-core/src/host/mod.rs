//! The host runs the reducer: it feeds it what the server and the user
//! send, with the time, and carries out its effects: lines to connections,
//! notices, snapshots for watchers, ticks when asked. Status and watch
//! requests are answered here; they are not session state.
//!
//! Here: the loop, the effects and the per-connection bookkeeping they
//! share. `inbound` routes what comes in; `shown` shows notices and runs
//! click-through; whether a watched process is still the same is in
//! `liveness`.
//!
//! Over 400 lines: the host's loop and the effects it carries out, which
//! share its state; what shows notices is in `shown.rs`, what comes in in
//! `inbound.rs`.

mod inbound;
mod shown;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use island_protocol::{AgentMessage, Focused, IslandMessage, Timestamp, encode_line};
use tokio::sync::{mpsc, watch};

use crate::focus::{FocusOutcome, FocusTarget, Focuser, NoDesktop};
use crate::notify::{NoticeSink, UserAction};
use crate::platform::process_alive;
use crate::server::{Inbound, OutQueue, ServerCounters};
use crate::tracker::{ConnId, Effect, Input, Link, Notice, NoticeKey, SessionTracker};
use crate::view::Board;

/// How often one-line (upstream) sessions' processes are checked, while
/// there are any. Nothing is polled when there are none.
const PROCESS_CHECK: Duration = Duration::from_secs(5);
/// Inputs already waiting that are applied in one turn before the snapshot
/// is published.
const BATCH: usize = 256;

/// What the host publishes for the tray and the widget.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Published {
    /// What the widget and the tray menu show (the tray's summary too).
    pub board: Board,
}

/// Runs the reducer over the server's and the user's inputs.
pub struct Host {
    tracker: SessionTracker,
    notices: Box<dyn NoticeSink>,
    counters: Arc<ServerCounters>,
    outbound: HashMap<ConnId, OutQueue>,
    watchers: HashSet<ConnId>,
    /// The snapshot changed since it was last published.
    snapshot_due: bool,
    wake: Option<tokio::time::Instant>,
    published: watch::Sender<Published>,
    focus: Arc<dyn Focuser>,
    focus_results: mpsc::UnboundedSender<(String, FocusOutcome)>,
    focus_results_rx: Option<mpsc::UnboundedReceiver<(String, FocusOutcome)>>,
    /// The start time each agent process had when Island first saw it: a
    /// pid that now belongs to a process started later was reused.
    starts: crate::liveness::ProcessStarts,
    /// Keeps upstream sessions' open approvals and turns across a restart.
    saver: Option<crate::state_file::Saver>,
    /// The approval history file.
    history: Option<crate::history::Log>,
    /// The tray app's widget is on screen.
    widget_shown: bool,
    /// What approval notices do then.
    approvals_with_widget: crate::config::ApprovalsWithWidget,
    /// Notices waiting to learn whether their terminal is in front.
    gate: crate::attention::Gate,
    gate_rx: Option<mpsc::UnboundedReceiver<crate::attention::Checked>>,
    /// The control socket's lines, served before the agents' (whose queue
    /// a storm fills).
    control: Option<mpsc::Receiver<Inbound>>,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("connections", &self.outbound.len())
            .field("watchers", &self.watchers.len())
            .finish_non_exhaustive()
    }
}

impl Host {
    /// A host over `tracker`, showing notices through `notices`.
    #[must_use]
    pub fn new(
        tracker: SessionTracker,
        notices: Box<dyn NoticeSink>,
        counters: Arc<ServerCounters>,
    ) -> Self {
        let (published, _) = watch::channel(Published::default());
        let (focus_results, focus_results_rx) = mpsc::unbounded_channel();
        let (gate, gate_rx) = crate::attention::Gate::new(false);
        Self {
            widget_shown: false,
            approvals_with_widget: crate::config::ApprovalsWithWidget::Notify,
            gate,
            gate_rx: Some(gate_rx),
            focus: Arc::new(NoDesktop),
            focus_results,
            focus_results_rx: Some(focus_results_rx),
            tracker,
            notices,
            counters,
            outbound: HashMap::new(),
            watchers: HashSet::new(),
            snapshot_due: false,
            wake: None,
            published,
            starts: crate::liveness::ProcessStarts::default(),
            saver: None,
            history: None,
            control: None,
        }
    }

    /// Approval notices, too, are not shown while their session's terminal
    /// is in front (`[notifications] when_focused = "hold"`).
    #[must_use]
    pub fn holding_focused_approvals(mut self, hold: bool) -> Self {
        let (gate, rx) = crate::attention::Gate::new(hold);
        self.gate = gate;
        self.gate_rx = Some(rx);
        self
    }

    /// What approval notices do while the widget is on screen.
    #[must_use]
    pub fn with_widget_approvals(mut self, setting: crate::config::ApprovalsWithWidget) -> Self {
        self.approvals_with_widget = setting;
        self
    }

    /// Appends every closed approval to this history log.
    #[must_use]
    pub fn with_history(mut self, log: crate::history::Log) -> Self {
        self.history = Some(log);
        self
    }

    /// Keeps what upstream agents will not send again in the state file at
    /// `path` (see `state_file`).
    #[must_use]
    pub fn with_state_file(mut self, path: std::path::PathBuf) -> Self {
        let mut saver = crate::state_file::Saver::new(path);
        saver.mark();
        self.saver = Some(saver);
        self
    }

    /// Takes the control socket's connections from `control`, ahead of the
    /// agents' queue: `status` and `approve` stay quick while a storm of
    /// agent lines waits.
    #[must_use]
    pub fn with_control_inbound(mut self, control: mpsc::Receiver<Inbound>) -> Self {
        self.control = Some(control);
        self
    }

    /// Sets how click-through reaches the desktop (without one, nothing
    /// is focused, and no terminal is known to be in front).
    #[must_use]
    pub fn with_focus(mut self, focuser: Arc<dyn Focuser>) -> Self {
        self.focus = focuser;
        self
    }

    /// Tray and snapshot updates, for the app's windows. Subscribe before
    /// [`run`](Self::run): snapshots are built only while someone listens.
    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<Published> {
        self.published.subscribe()
    }

    /// Runs until both input channels close.
    pub async fn run(
        mut self,
        mut inbound: mpsc::Receiver<Inbound>,
        mut actions: mpsc::UnboundedReceiver<UserAction>,
    ) {
        let mut actions_open = true;
        let Some(mut focus_results) = self.focus_results_rx.take() else {
            return;
        };
        let Some(mut checked) = self.gate_rx.take() else {
            return;
        };
        // What Island starts with (sessions restored from the state file).
        self.snapshot_due = true;
        let mut process_check = tokio::time::interval(PROCESS_CHECK);
        process_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let (mut control, mut control_open) = match self.control.take() {
            Some(control) => (control, true),
            None => (mpsc::channel(1).1, false),
        };
        loop {
            let wake = self.wake;
            let save_at = self
                .saver
                .as_ref()
                .and_then(crate::state_file::Saver::due_at);
            let one_line = self.has_one_line_sessions();
            // In this order: Island's own clients and the user first, then
            // timers, then the agents' lines (which a storm keeps ready).
            tokio::select! {
                biased;
                message = control.recv(), if control_open => match message {
                    Some(message) => self.on_inbound(message),
                    None => control_open = false,
                },
                action = actions.recv(), if actions_open => match action {
                    Some(action) => self.on_action(action),
                    None => actions_open = false,
                },
                Some((session, outcome)) = focus_results.recv() => self.on_focus_result(session, outcome),
                Some(result) = checked.recv() => {
                    if let Some(notice) = self.gate.result(result) {
                        self.notices.show(&notice);
                    }
                }
                () = sleep_until(wake) => {
                    self.wake = None;
                    self.follow_the_local_clock();
                    self.apply(Input::Tick);
                }
                _ = process_check.tick(), if one_line => self.check_processes(),
                () = sleep_until(save_at) => {
                    if let Some(saver) = &mut self.saver {
                        saver.save(self.tracker.kept_across_restart());
                    }
                }
                message = inbound.recv() => match message {
                    Some(message) => {
                        self.on_inbound(message);
                        // What else is already waiting goes in the same
                        // turn: under a flood, the snapshot (whose cost
                        // grows with the sessions) is built once a batch,
                        // not once a line.
                        for _ in 1..BATCH {
                            match inbound.try_recv() {
                                Ok(message) => self.on_inbound(message),
                                Err(_) => break,
                            }
                        }
                    }
                    None => return,
                },
            }
            if std::mem::take(&mut self.snapshot_due) {
                self.publish_snapshot();
                if let Some(saver) = &mut self.saver {
                    saver.mark();
                }
            }
        }
    }

    /// Quiet hours are local times: after a daylight-saving change the
    /// reducer gets the new offset at its next tick.
    fn follow_the_local_clock(&mut self) {
        if self.tracker.policy.quiet_hours.is_none() {
            return;
        }
        let offset = chrono::Local::now().offset().local_minus_utc() / 60;
        if offset != self.tracker.policy.utc_offset_min {
            let mut policy = self.tracker.policy.clone();
            policy.utc_offset_min = offset;
            self.apply(Input::SetPolicy(policy));
        }
    }

    fn has_one_line_sessions(&self) -> bool {
        self.tracker.has_one_line_sessions()
    }

    fn check_processes(&mut self) {
        let watched: Vec<(u32, Option<u64>)> = self
            .tracker
            .sessions()
            .filter_map(|s| match s.link {
                // An upstream session's id carries its process's start time.
                Link::OneLine { pid: Some(pid) } => {
                    Some((pid, crate::liveness::start_in_id(&s.id, pid)))
                }
                _ => None,
            })
            .collect();
        let mut gone = Vec::new();
        for (pid, known) in watched {
            let alive = process_alive(pid);
            let now = if alive {
                crate::platform::process_start_time(pid)
            } else {
                None
            };
            if self.starts.gone(pid, alive, known, now) && !gone.contains(&pid) {
                gone.push(pid);
            }
        }
        for pid in gone {
            self.starts.forget(pid);
            self.apply(Input::ProcessGone { pid });
        }
    }

    /// Applies one input and carries out its effects.
    fn apply(&mut self, input: Input) {
        let effects = self.tracker.apply(input, Timestamp::now());
        let mut snapshot_changed = false;
        for effect in effects {
            match effect {
                Effect::Send { conn, message } => self.send(conn, &message),
                Effect::Notify(notice) => self.show(notice),
                Effect::CloseNotice { key } => {
                    self.gate.cancel(&key);
                    self.notices.close(&key);
                }
                Effect::Tray(tray) => {
                    // The board carries the summary to the tray.
                    tracing::debug!("{}", tray.describe());
                    snapshot_changed = true;
                }
                Effect::SnapshotChanged => snapshot_changed = true,
                Effect::Record(entry) => {
                    if let Some(log) = &self.history {
                        if let Err(e) = log.append(&entry) {
                            tracing::warn!("cannot write the approval history: {e}");
                        }
                    }
                }
                Effect::Focus {
                    reply_to,
                    session_id,
                    terminal,
                    pid,
                    cwd,
                    remote,
                } => {
                    let target = FocusTarget {
                        session_id,
                        pid,
                        cwd,
                        terminal,
                        remote: remote.map(|r| crate::focus::RemoteTarget {
                            host: r.host,
                            ssh_pid: r.ssh_pid,
                            control_path: r.control_path,
                        }),
                    };
                    self.start_focus(target, reply_to);
                }
                Effect::WakeAt(ms) => {
                    let delay = u64::try_from(ms - Timestamp::now().unix_millis()).unwrap_or(0);
                    self.wake = Some(tokio::time::Instant::now() + Duration::from_millis(delay));
                }
            }
        }
        if snapshot_changed {
            // Published once the inputs waiting now are applied (`run`).
            self.snapshot_due = true;
        }
    }

    fn send_snapshot(&mut self, conn: ConnId) {
        match self.tracker.snapshot_line(self.counters.snapshot()) {
            Ok(line) => self.send_line(conn, line.into()),
            Err(e) => tracing::error!("cannot encode a snapshot: {e}"),
        }
    }

    /// Sends the new snapshot to watchers and subscribers. With many
    /// sessions a snapshot is not cheap, so it is built only when someone
    /// listens, and encoded once for all watchers.
    fn publish_snapshot(&mut self) {
        let subscribed = self.published.receiver_count() > 0;
        if self.watchers.is_empty() && !subscribed {
            return;
        }
        if !self.watchers.is_empty() {
            match self.tracker.snapshot_line(self.counters.snapshot()) {
                Ok(line) => {
                    // One copy for every watcher.
                    let line = bytes::Bytes::from(line);
                    let watchers: Vec<ConnId> = self.watchers.iter().copied().collect();
                    for conn in watchers {
                        self.send_line(conn, line.clone());
                    }
                }
                Err(e) => tracing::error!("cannot encode a snapshot: {e}"),
            }
        }
        if subscribed {
            let board = crate::view::board(&self.tracker);
            self.published.send_modify(|p| p.board = board);
        }
    }

    /// Queues a message for a connection.
    fn send(&mut self, conn: ConnId, message: &IslandMessage) {
        if !self.outbound.contains_key(&conn) {
            return;
        }
        match encode_line(message) {
            Ok(line) => self.send_line(conn, line.into()),
            Err(e) => tracing::error!("cannot encode a reply: {e}"),
        }
    }

    /// Queues a line; a client whose queue is full is too slow and is
    /// closed, so that it never holds Island up.
    fn send_line(&mut self, conn: ConnId, line: bytes::Bytes) {
        let Some(queue) = self.outbound.get(&conn) else {
            return;
        };
        if queue.line(line).is_err() {
            tracing::warn!(conn = conn.0, "a client is not reading; closing it");
            self.outbound.remove(&conn);
            self.watchers.remove(&conn);
        }
    }

    fn close(&mut self, conn: ConnId) {
        if let Some(queue) = self.outbound.remove(&conn) {
            // Dropping the queue after the Close marker ends the writer; a
            // full queue means the client is gone or stuck anyway.
            queue.close();
        }
        self.watchers.remove(&conn);
    }
}

async fn sleep_until(wake: Option<tokio::time::Instant>) {
    match wake {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
