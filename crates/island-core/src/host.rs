//! The host runs the reducer: it feeds it what the server and the user
//! send, with the time, and carries out its effects: lines to connections,
//! notices, snapshots for watchers, ticks when asked. Status and watch
//! requests are answered here; they are not session state.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use island_protocol::{AgentMessage, IslandMessage, Snapshot, Timestamp, encode_line};
use tokio::sync::{mpsc, watch};

use crate::notify::{NoticeSink, UserAction};
use crate::platform::process_alive;
use crate::server::{Inbound, Outbound, ServerCounters};
use crate::tracker::{
    ConnId, Effect, Input, Link, SessionTracker, TraySummary, focus_not_supported,
};

/// How often one-line (upstream) sessions' processes are checked, while
/// there are any. Nothing is polled when there are none.
const PROCESS_CHECK: Duration = Duration::from_secs(5);

/// What the host publishes for the tray and the widget.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Published {
    /// The tray's summary.
    pub tray: TraySummary,
    /// The full snapshot.
    pub snapshot: Snapshot,
}

/// Runs the reducer over the server's and the user's inputs.
pub struct Host {
    tracker: SessionTracker,
    notices: Box<dyn NoticeSink>,
    counters: Arc<ServerCounters>,
    outbound: HashMap<ConnId, mpsc::Sender<Outbound>>,
    watchers: HashSet<ConnId>,
    wake: Option<tokio::time::Instant>,
    published: watch::Sender<Published>,
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
        Self {
            tracker,
            notices,
            counters,
            outbound: HashMap::new(),
            watchers: HashSet::new(),
            wake: None,
            published,
        }
    }

    /// Tray and snapshot updates, for the app's windows.
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
        let mut process_check = tokio::time::interval(PROCESS_CHECK);
        process_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let wake = self.wake;
            let one_line = self.has_one_line_sessions();
            tokio::select! {
                message = inbound.recv() => match message {
                    Some(message) => self.on_inbound(message),
                    None => return,
                },
                action = actions.recv(), if actions_open => match action {
                    Some(action) => self.on_action(action),
                    None => actions_open = false,
                },
                () = sleep_until(wake) => {
                    self.wake = None;
                    self.apply(Input::Tick);
                }
                _ = process_check.tick(), if one_line => self.check_processes(),
            }
        }
    }

    fn has_one_line_sessions(&self) -> bool {
        self.tracker
            .sessions()
            .any(|s| matches!(s.link, Link::OneLine { .. }))
    }

    fn check_processes(&mut self) {
        let gone: Vec<u32> = self
            .tracker
            .sessions()
            .filter_map(|s| match s.link {
                Link::OneLine { pid: Some(pid) } if !process_alive(pid) => Some(pid),
                _ => None,
            })
            .collect();
        for pid in gone {
            self.apply(Input::ProcessGone { pid });
        }
    }

    fn on_inbound(&mut self, message: Inbound) {
        match message {
            Inbound::Opened {
                conn,
                peer,
                outbound,
            } => {
                self.outbound.insert(conn, outbound);
                self.apply(Input::Opened { conn, peer });
            }
            Inbound::Closed { conn } => {
                self.outbound.remove(&conn);
                self.watchers.remove(&conn);
                self.apply(Input::Closed { conn });
            }
            Inbound::Message { conn, message } => match message {
                AgentMessage::Status(_) => {
                    let snapshot = self.snapshot();
                    self.send(conn, &IslandMessage::Snapshot(snapshot));
                    self.close(conn);
                }
                AgentMessage::Watch(_) => {
                    let snapshot = self.snapshot();
                    self.send(conn, &IslandMessage::Snapshot(snapshot));
                    self.watchers.insert(conn);
                }
                AgentMessage::Decide(request) => self.apply(Input::Decide {
                    approval_id: request.approval_id,
                    decision: request.decision,
                    source: island_protocol::DecisionSource::Cli,
                    reply_to: Some(conn),
                }),
                AgentMessage::Focus(request) => self.apply(Input::Focus {
                    session_id: if request.waiting {
                        None
                    } else {
                        request.session_id
                    },
                    reply_to: Some(conn),
                }),
                AgentMessage::Decision(_) => {
                    tracing::debug!(conn = conn.0, "ignored a decision line sent by an agent");
                }
                message @ (AgentMessage::Hello(_) | AgentMessage::Event(_)) => {
                    self.apply(Input::Message { conn, message });
                }
            },
        }
    }

    fn on_action(&mut self, action: UserAction) {
        let input = match action {
            UserAction::Decide {
                approval_id,
                decision,
                source,
            } => Input::Decide {
                approval_id,
                decision,
                source,
                reply_to: None,
            },
            UserAction::Focus { session_id } => Input::Focus {
                session_id: Some(session_id),
                reply_to: None,
            },
            UserAction::SetDoNotDisturb(on) => Input::SetDoNotDisturb(on),
        };
        self.apply(input);
    }

    /// Applies one input and carries out its effects.
    fn apply(&mut self, input: Input) {
        let effects = self.tracker.apply(input, Timestamp::now());
        let mut snapshot_changed = false;
        for effect in effects {
            match effect {
                Effect::Send { conn, message } => self.send(conn, &message),
                Effect::CloseConnection { conn } => self.close(conn),
                Effect::Notify(notice) => self.notices.show(&notice),
                Effect::CloseNotice { key } => self.notices.close(&key),
                Effect::Tray(tray) => {
                    tracing::debug!("{}", tray.describe());
                    self.published.send_modify(|p| p.tray = tray);
                }
                Effect::SnapshotChanged => snapshot_changed = true,
                Effect::Focus {
                    reply_to,
                    session_id,
                    ..
                } => {
                    // Click-through is its own piece of work; until it lands
                    // every focus request says so.
                    tracing::info!(session = %session_id, "focus requested (not supported yet)");
                    if let Some(conn) = reply_to {
                        self.send(conn, &focus_not_supported());
                    }
                }
                Effect::WakeAt(ms) => {
                    let delay = u64::try_from(ms - Timestamp::now().unix_millis()).unwrap_or(0);
                    self.wake = Some(tokio::time::Instant::now() + Duration::from_millis(delay));
                }
            }
        }
        if snapshot_changed {
            self.publish_snapshot();
        }
    }

    fn snapshot(&self) -> Snapshot {
        self.tracker.snapshot(self.counters.snapshot())
    }

    fn publish_snapshot(&mut self) {
        let snapshot = self.snapshot();
        if !self.watchers.is_empty() {
            let line = IslandMessage::Snapshot(snapshot.clone());
            let watchers: Vec<ConnId> = self.watchers.iter().copied().collect();
            for conn in watchers {
                self.send(conn, &line);
            }
        }
        self.published.send_modify(|p| p.snapshot = snapshot);
    }

    /// Queues a line; a client whose queue is full is too slow and is
    /// closed, so that it never holds Island up.
    fn send(&mut self, conn: ConnId, message: &IslandMessage) {
        let Some(queue) = self.outbound.get(&conn) else {
            return;
        };
        let line = match encode_line(message) {
            Ok(line) => line,
            Err(e) => {
                tracing::error!("cannot encode a reply: {e}");
                return;
            }
        };
        if queue.try_send(Outbound::Line(line)).is_err() {
            tracing::warn!(conn = conn.0, "a client is not reading; closing it");
            self.outbound.remove(&conn);
            self.watchers.remove(&conn);
        }
    }

    fn close(&mut self, conn: ConnId) {
        if let Some(queue) = self.outbound.remove(&conn) {
            // Dropping the queue after the Close marker ends the writer; a
            // full queue means the client is gone or stuck anyway.
            let _ = queue.try_send(Outbound::Close);
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
