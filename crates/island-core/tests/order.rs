//! One process's lines over many connections, the way upstream's sink
//! writes them (connect, one line, close, for every event), reach the host
//! in the order their connections were accepted. Real Unix sockets; this
//! test process is the agent.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use island_core::bind::bind;
use island_core::server::{Inbound, ServerCounters, ServerLimits, serve};
use island_protocol::{AgentMessage, decode_agent_line, encode_line};
use tokio::sync::mpsc;

/// 200 short turns: each starts, streams five deltas and completes.
fn upstream_turns(turns: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut ms = 0u64;
    let mut at = || {
        ms += 1;
        format!(
            "2026-12-02T10:{:02}:{:02}.{:03}Z",
            ms / 60_000,
            (ms / 1000) % 60,
            ms % 1000
        )
    };
    for t in 0..turns {
        lines.push(format!("{{\"at\":\"{}\",\"event\":{{\"type\":\"generic_event_frame\",\"frame\":{{\"event\":\"turn_started\",\"turn_id\":\"t{t}\"}}}}}}\n", at()));
        for d in 0..5 {
            lines.push(format!("{{\"at\":\"{}\",\"event\":{{\"type\":\"response_delta\",\"response_id\":\"r{t}\",\"delta\":\"{t}-{d} \"}}}}\n", at()));
        }
        lines.push(format!("{{\"at\":\"{}\",\"event\":{{\"type\":\"generic_event_frame\",\"frame\":{{\"event\":\"turn_complete\",\"turn_id\":\"t{t}\"}}}}}}\n", at()));
    }
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_lines_over_many_connections_arrive_in_the_order_they_were_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/island.sock");
    let mut bound = bind(&path).unwrap();
    let listener = tokio::net::UnixListener::from_std(bound.take_listener().unwrap()).unwrap();
    let (tx, mut rx) = mpsc::channel(65_536);
    tokio::spawn(serve(
        listener,
        ServerLimits::default(),
        Arc::new(ServerCounters::default()),
        tx,
        std::future::pending(),
    ));
    let sent = upstream_turns(200);
    let expected: Vec<Vec<u8>> = sent
        .iter()
        .map(|l| encode_line(&decode_agent_line(l.trim_end().as_bytes()).unwrap()).unwrap())
        .collect();
    let writer = {
        let (path, sent) = (path.clone(), sent.clone());
        std::thread::spawn(move || {
            for line in sent {
                let mut s = UnixStream::connect(&path).unwrap();
                s.write_all(line.as_bytes()).unwrap();
                // Dropped: closed at once, as upstream's sink does.
            }
        })
    };
    let mut got = Vec::new();
    while got.len() < expected.len() {
        let next = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("every line arrives")
            .expect("the server runs");
        // A connection read whole at accept comes as one message; one
        // read by its own task, as opened, lines, closed.
        let messages = match next {
            Inbound::Message { message, .. } => vec![message],
            Inbound::Whole { messages, .. } => messages,
            Inbound::Opened { .. } | Inbound::Closed { .. } => Vec::new(),
        };
        for message in messages {
            assert!(matches!(message, AgentMessage::Event(_)), "{message:?}");
            got.push(encode_line(&message).unwrap());
        }
    }
    writer.join().unwrap();
    let first_out_of_order = got.iter().zip(&expected).position(|(g, e)| g != e);
    assert_eq!(
        first_out_of_order,
        None,
        "line {first_out_of_order:?} of {} out of order",
        expected.len()
    );
    drop(bound);
}

/// The messages of the next inbound item that carries any.
async fn next_messages(rx: &mut mpsc::Receiver<Inbound>) -> Vec<AgentMessage> {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("a line arrives")
            .expect("the server runs");
        match next {
            Inbound::Message { message, .. } => return vec![message],
            Inbound::Whole { messages, .. } if !messages.is_empty() => return messages,
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_connection_waits_for_an_earlier_one_still_sending_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/island.sock");
    let mut bound = bind(&path).unwrap();
    let listener = tokio::net::UnixListener::from_std(bound.take_listener().unwrap()).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    tokio::spawn(serve(
        listener,
        ServerLimits::default(),
        Arc::new(ServerCounters::default()),
        tx,
        std::future::pending(),
    ));
    let lines = upstream_turns(1);
    let (first, second) = (&lines[0], &lines[1]);
    // The first connection has sent half its line when the second, from
    // the same process, sends its whole line and closes.
    let (head, tail) = first.split_at(first.len() / 2);
    let mut slow = UnixStream::connect(&path).unwrap();
    slow.write_all(head.as_bytes()).unwrap();
    let mut quick = UnixStream::connect(&path).unwrap();
    quick.write_all(second.as_bytes()).unwrap();
    drop(quick);
    // Nothing may arrive before the first line is finished.
    let early = tokio::time::timeout(Duration::from_millis(300), next_messages(&mut rx)).await;
    assert!(early.is_err(), "arrived before the earlier line: {early:?}");
    slow.write_all(tail.as_bytes()).unwrap();
    drop(slow);
    let decoded = |l: &str| decode_agent_line(l.trim_end().as_bytes()).unwrap();
    assert_eq!(next_messages(&mut rx).await, vec![decoded(first)]);
    assert_eq!(next_messages(&mut rx).await, vec![decoded(second)]);
    drop(bound);
}
