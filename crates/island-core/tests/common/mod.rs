//! A real Island core for tests: bound in a temp dir, served on a real
//! socket and its control socket beside it (as `service::start` does),
//! with notices recorded instead of shown (the D-Bus tests show them for
//! real).

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use island_core::bind::{BoundSocket, bind};
use island_core::host::Host;
use island_core::notify::{NoticeSink, UserAction};
use island_core::server::{ServerCounters, ServerLimits, control_path, serve, serve_control};
use island_core::tracker::{Notice, NoticeKey, Policy, SessionTracker};
use island_test_support::poll;
use tokio::sync::{mpsc, oneshot};

/// What the recording sink saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Show(Notice),
    Close(NoticeKey),
}

#[derive(Debug, Clone, Default)]
pub struct RecordingNotices(pub Arc<Mutex<Vec<Seen>>>);

impl NoticeSink for RecordingNotices {
    fn show(&mut self, notice: &Notice) {
        self.0.lock().unwrap().push(Seen::Show(notice.clone()));
    }
    fn close(&mut self, key: &NoticeKey) {
        self.0.lock().unwrap().push(Seen::Close(key.clone()));
    }
}

pub struct TestIsland {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub counters: Arc<ServerCounters>,
    pub notices: RecordingNotices,
    pub actions: mpsc::UnboundedSender<UserAction>,
    stop: Option<oneshot::Sender<()>>,
    bound: Option<BoundSocket>,
    control: Option<(
        BoundSocket,
        oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    )>,
    host: tokio::task::JoinHandle<()>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl TestIsland {
    pub fn start(limits: ServerLimits, policy: Policy) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/island.sock");
        Self::start_at(dir, path, limits, policy, recording)
    }

    pub fn start_at(
        dir: tempfile::TempDir,
        path: PathBuf,
        limits: ServerLimits,
        policy: Policy,
        wrap: impl FnOnce(RecordingNotices) -> Box<dyn NoticeSink>,
    ) -> Self {
        let mut bound = bind(&path).unwrap();
        let listener = tokio::net::UnixListener::from_std(bound.take_listener().unwrap()).unwrap();
        let counters = Arc::new(ServerCounters::default());
        let (inbound_tx, inbound_rx) = mpsc::channel(65_536);
        let (actions, actions_rx) = mpsc::unbounded_channel();
        let notices = RecordingNotices::default();
        let (control_tx, control_rx) = mpsc::channel(1024);
        let host = Host::new(
            SessionTracker::new(policy),
            wrap(notices.clone()),
            Arc::clone(&counters),
        )
        .with_control_inbound(control_rx);
        let mut control_bound = bind(&control_path(&path)).unwrap();
        let control_listener =
            tokio::net::UnixListener::from_std(control_bound.take_listener().unwrap()).unwrap();
        let (control_stop, control_stop_rx) = oneshot::channel::<()>();
        let control_server = tokio::spawn(serve_control(
            control_listener,
            limits.clone(),
            Arc::clone(&counters),
            control_tx,
            async {
                let _ = control_stop_rx.await;
            },
        ));
        let (stop, stop_rx) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(
            listener,
            limits,
            Arc::clone(&counters),
            inbound_tx,
            async {
                let _ = stop_rx.await;
            },
        ));
        let host = tokio::spawn(host.run(inbound_rx, actions_rx));
        Self {
            dir,
            path,
            counters,
            notices,
            actions,
            stop: Some(stop),
            bound: Some(bound),
            control: Some((control_bound, control_stop, control_server)),
            host,
            server: Some(server),
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.notices.0.lock().unwrap().clone()
    }

    /// Waits until `check` holds on the recorded notices.
    pub async fn wait_seen(&self, what: &str, check: impl Fn(&[Seen]) -> bool) {
        poll::until_async(
            || format!("{what}; seen: {:#?}", self.seen()),
            Duration::from_secs(5),
            || check(&self.seen()),
        )
        .await;
    }

    /// Stops serving, as a dying Island would (the socket file stays when
    /// `leave_socket` is set, like after a crash).
    pub async fn stop(mut self, leave_socket: bool) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
        let control = self.control.take().map(|(bound, stop, server)| {
            let _ = stop.send(());
            (bound, server)
        });
        let control_bound = match control {
            Some((bound, server)) => {
                server.await.unwrap();
                Some(bound)
            }
            None => None,
        };
        self.host.abort();
        let bound = self.bound.take();
        if leave_socket {
            std::mem::forget((bound, control_bound));
        } else {
            drop((bound, control_bound));
        }
        std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap())
    }
}

impl Drop for TestIsland {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some((_, stop, _)) = self.control.take() {
            let _ = stop.send(());
        }
        self.host.abort();
    }
}

/// The default sink for a test Island: record everything.
pub fn recording(notices: RecordingNotices) -> Box<dyn NoticeSink> {
    Box::new(notices)
}

/// Waits until `check` holds, polling.
pub async fn eventually<T>(what: &str, check: impl AsyncFnMut() -> Option<T>) -> T {
    poll::value_await(what, Duration::from_secs(5), check).await
}
