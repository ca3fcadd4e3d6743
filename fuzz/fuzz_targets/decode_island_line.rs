//! The agent side's decoder of Island's lines: no input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = island_protocol::decode_island_line(data);
});
