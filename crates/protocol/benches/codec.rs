//! Line codec throughput: decoding the upstream fixture and a mixed stream,
//! and encoding events, in ns per line.
//!
//! Run: `cargo bench -p island-protocol --bench codec`

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use island_protocol::{EventEnvelope, HookEvent, decode_agent_line, encode_line};

const FIXTURE: &str = include_str!("../../../tests/fixtures/upstream-approval-flow.jsonl");

fn time_per_item(iterations: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed().as_nanos() as f64 / iterations as f64
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let reps = if smoke { 10 } else { 20_000 };
    let lines: Vec<&str> = FIXTURE.lines().collect();
    let decode = time_per_item(reps, || {
        for line in &lines {
            black_box(decode_agent_line(black_box(line.as_bytes())).unwrap());
        }
    }) / lines.len() as f64;
    let start = EventEnvelope::now(HookEvent::ResponseStart {
        response_id: "resp-123456".into(),
    });
    let start_line = encode_line(&start).unwrap();
    let decode_small = time_per_item(reps * 10, || {
        black_box(decode_agent_line(black_box(&start_line[..start_line.len() - 1])).unwrap());
    });
    let encode = time_per_item(reps * 10, || {
        black_box(encode_line(black_box(&start)).unwrap());
    });
    println!("| operation | ns per line |\n|---|---:|");
    println!("| decode, upstream fixture lines (mixed, 14 kinds) | {decode:.0} |");
    println!("| decode, small `response_start` line | {decode_small:.0} |");
    println!("| encode, small `response_start` line | {encode:.0} |");
}
