//! Island's line decoder and the session reducer behind it: no input may
//! panic, and whatever decodes re-encodes to a line that decodes to the
//! same encoding.
#![no_main]

use island_core::tracker::{ConnId, Input, Peer, Policy, SessionTracker};
use island_protocol::{Timestamp, decode_agent_line, encode_line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = decode_agent_line(data) else { return };
    let Ok(line) = encode_line(&message) else { return };
    let again = decode_agent_line(&line[..line.len() - 1]).expect("an encoded line decodes");
    let line2 = encode_line(&again).expect("encodes");
    assert_eq!(line, line2, "encoding is stable");
    let mut tracker = SessionTracker::new(Policy::default());
    let now = Timestamp::from_unix_millis(1_795_428_000_000).expect("valid");
    tracker.apply(Input::Opened { conn: ConnId(1), peer: Peer { pid: Some(7), start_time: Some(1) } }, now);
    tracker.apply(Input::Message { conn: ConnId(1), message }, now);
    tracker.apply(Input::Tick, now);
    tracker.apply(Input::Closed { conn: ConnId(1) }, now);
});
