//! The order of one peer process's lines across its connections.

use std::collections::HashMap;

use island_protocol::AgentMessage;
use tokio::sync::oneshot;

use crate::tracker::Peer;

/// Keeps one peer process's lines in the order its connections were
/// accepted. Upstream's sink opens a connection for every event; each
/// connection has its own task, so without this a later event could reach
/// the reducer first (a turn's end before its last delta). Each accepted
/// connection of a known process gets a [`Turn`]: its first line waits
/// until the connection accepted before it from the same process has
/// handed over its own first line (or ended). Held only by the accept loop:
/// no lock, and a peer's connections do not wait on anyone else's.
#[derive(Default)]
pub(crate) struct PeerOrder {
    last: HashMap<(u32, Option<u64>), oneshot::Receiver<()>>,
}

impl PeerOrder {
    /// Whether a connection of `peer` accepted now may go at once, with no
    /// turn: none accepted before it from the same process is still
    /// waiting to hand its first line over.
    pub(crate) fn is_clear(&mut self, peer: Peer) -> bool {
        let Some(pid) = peer.pid else {
            return true;
        };
        let key = (pid, peer.start_time);
        let clear = self
            .last
            .get_mut(&key)
            .is_none_or(|rx| !matches!(rx.try_recv(), Err(oneshot::error::TryRecvError::Empty)));
        if clear {
            self.last.remove(&key);
        }
        clear
    }

    /// The turn of a newly accepted connection of `peer`.
    pub(crate) fn next(&mut self, peer: Peer) -> Turn {
        let Some(pid) = peer.pid else {
            return Turn::default();
        };
        if self.last.len() >= 1024 {
            // Forget the processes whose last connection is done.
            self.last
                .retain(|_, rx| matches!(rx.try_recv(), Err(oneshot::error::TryRecvError::Empty)));
        }
        let (done, next) = oneshot::channel();
        let after = self.last.insert((pid, peer.start_time), next);
        Turn {
            after,
            done: Some(done),
        }
    }
}

/// One connection's place in its peer's order.
#[derive(Default)]
pub(crate) struct Turn {
    /// Done when the connection before it has handed over its first line.
    after: Option<oneshot::Receiver<()>>,
    /// Tells the connection after it.
    done: Option<oneshot::Sender<()>>,
}

impl Turn {
    /// Waits for the connections before this one.
    pub(crate) async fn wait(&mut self) {
        if let Some(after) = self.after.take() {
            // A sender dropped (its task ended) counts as done.
            let _ = after.await;
        }
    }

    /// This connection has handed over its first line, or ends: once the
    /// ones before it have too, the next one may go.
    pub(crate) async fn pass(&mut self) {
        self.wait().await;
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }

    /// This connection takes no part in the order (a control request, or
    /// one that ends without a line): the next one may go once the ones
    /// before it have, and this connection does not wait for that.
    pub(crate) fn hand_over(&mut self) {
        let Some(done) = self.done.take() else {
            return;
        };
        match self.after.take() {
            None => {
                let _ = done.send(());
            }
            Some(after) => {
                tokio::spawn(async move {
                    let _ = after.await;
                    let _ = done.send(());
                });
            }
        }
    }
}

pub(crate) fn is_control(message: &AgentMessage) -> bool {
    matches!(
        message,
        AgentMessage::Status(_)
            | AgentMessage::Watch(_)
            | AgentMessage::Decide(_)
            | AgentMessage::Focus(_)
    )
}
