//! The writing side of a client connection. Its own task starts only once
//! Island has something to send: in a storm of upstream connections (one
//! line each, never answered) that is one task per connection, not two.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio_util::codec::FramedRead;

use crate::framing::{Frame, LineFramer};
use crate::server::{OutReceiver, Outbound};

/// A connection's reading side: what the accept loop read already, then
/// the socket.
pub(crate) type Frames =
    FramedRead<tokio::io::Chain<std::io::Cursor<bytes::Bytes>, OwnedReadHalf>, LineFramer>;

/// Where the connection's writing side is.
pub(crate) enum Writer {
    /// Nothing sent yet: the write half and the queue wait here.
    Idle(OwnedWriteHalf, OutReceiver, Duration),
    /// Its task writes the queue.
    Running(tokio::task::JoinHandle<()>),
    /// Island dropped the queue without a line for this client.
    Done,
}

impl Writer {
    pub(crate) fn new(write: OwnedWriteHalf, queue: OutReceiver, timeout: Duration) -> Self {
        Self::Idle(write, queue, timeout)
    }

    /// The next frame the client sends; meanwhile, the first line Island
    /// queues for it starts the writer's task.
    pub(crate) async fn next_frame(
        &mut self,
        frames: &mut Frames,
    ) -> Option<std::io::Result<Frame>> {
        loop {
            let first = {
                let Self::Idle(_, queue, _) = self else {
                    return frames.next().await;
                };
                tokio::select! {
                    next = frames.next() => return next,
                    item = queue.recv() => item,
                }
            };
            self.start(first);
        }
    }

    fn start(&mut self, first: Option<Outbound>) {
        let Self::Idle(write, queue, timeout) = std::mem::replace(self, Self::Done) else {
            return;
        };
        if let Some(first) = first {
            *self = Self::Running(tokio::spawn(write_lines(
                write,
                queue,
                timeout,
                Some(first),
            )));
        }
        // Else the host has let the connection go: dropping the write half
        // ends the client's reading.
    }

    /// After the client's side ended: what Island still queues is written
    /// (the host lets the queue go on `Closed`), for at most `timeout`.
    pub(crate) async fn finish(self, timeout: Duration) {
        match self {
            Self::Idle(write, queue, write_timeout) => {
                let _ =
                    tokio::time::timeout(timeout, write_lines(write, queue, write_timeout, None))
                        .await;
            }
            Self::Running(task) => {
                let _ = tokio::time::timeout(timeout, task).await;
            }
            Self::Done => {}
        }
    }
}

async fn write_lines(
    mut write: OwnedWriteHalf,
    mut queue: OutReceiver,
    timeout: Duration,
    first: Option<Outbound>,
) {
    let mut next = first;
    loop {
        let item = match next.take() {
            Some(item) => item,
            None => match queue.recv().await {
                Some(item) => item,
                None => break,
            },
        };
        match item {
            Outbound::Line(line) => {
                match tokio::time::timeout(timeout, write.write_all(&line)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::debug!("write to a client failed: {e}");
                        break;
                    }
                    Err(_) => {
                        tracing::warn!("a client did not read for {timeout:?}; closing it");
                        break;
                    }
                }
            }
            Outbound::Close => break,
        }
    }
    let _ = write.shutdown().await; // the peer may be gone already
}
