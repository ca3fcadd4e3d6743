//! The capped line framer over arbitrary chunks: no panic, the buffer stays
//! bounded (the cap and one `\r`), and every line it yields fits the cap
//! (a trailing `\r`, the first half of a CRLF, aside).
#![no_main]

use bytes::BytesMut;
use island_core::framing::{Frame, LineFramer};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let Some((&cap, rest)) = data.split_first() else { return };
    let max = usize::from(cap % 64) + 1;
    let mut framer = LineFramer::new(max);
    let mut buf = BytesMut::new();
    for chunk in rest.chunks(7) {
        buf.extend_from_slice(chunk);
        while let Ok(Some(frame)) = framer.decode(&mut buf) {
            if let Frame::Line(line) = frame {
                let content = line.strip_suffix(b"\r").unwrap_or(&line);
                assert!(content.len() <= max, "a line over the cap got through");
            }
        }
        assert!(buf.len() <= max + 1 + chunk.len(), "the buffer grew past the cap");
    }
    while let Ok(Some(_)) = framer.decode_eof(&mut buf) {}
});
