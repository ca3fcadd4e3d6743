//! Line framing with a cap: one JSON object per line, `\n` or `\r\n`. A line
//! over the cap is discarded up to its newline and reported, and the
//! connection stays usable (PROTOCOL section 6). The buffer never holds more
//! than the cap and one `\r`, whatever a peer sends.

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

/// What the reader yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// One line, without its newline (a trailing `\r` is left for the
    /// decoder, which tolerates it).
    Line(BytesMut),
    /// A line over the cap was skipped; `len` bytes of it were seen.
    Oversized {
        /// Bytes discarded.
        len: usize,
    },
}

/// The decoder.
#[derive(Debug)]
pub struct LineFramer {
    max: usize,
    /// Bytes of an oversized line discarded so far, while discarding.
    discarding: Option<usize>,
    /// Where to resume the newline search.
    scanned: usize,
    /// Bytes of unfinished lines held by every framer that shares it, and
    /// how many of them are this one's.
    budget: Option<Budget>,
}

/// Unfinished-line bytes shared by all connections, with a bound.
#[derive(Debug)]
struct Budget {
    total: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    max: usize,
    mine: usize,
}

/// Bytes a connection may hold in an unfinished line even when the shared
/// budget is spent: an ordinary line always fits.
const ALWAYS_ALLOWED: usize = 64 * 1024;

impl LineFramer {
    /// A framer for lines of at most `max` bytes.
    #[must_use]
    pub fn new(max: usize) -> Self {
        Self {
            max,
            discarding: None,
            scanned: 0,
            budget: None,
        }
    }

    /// The same, sharing `total` with other framers: when the unfinished
    /// lines of all of them pass `max_total` bytes, a framer holding more
    /// than 64 KiB fails (its connection is closed) instead of growing.
    #[must_use]
    pub fn with_budget(
        max: usize,
        total: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        max_total: usize,
    ) -> Self {
        Self {
            budget: Some(Budget {
                total,
                max: max_total,
                mine: 0,
            }),
            ..Self::new(max)
        }
    }

    /// Whether a line is under way: bytes of it are buffered or being
    /// discarded.
    #[must_use]
    pub fn in_line(&self, buffered: usize) -> bool {
        buffered > 0 || self.discarding.is_some()
    }

    /// Accounts for `held` bytes now buffered; an error when the shared
    /// budget is spent and this framer holds more than its share.
    fn account(&mut self, held: usize) -> Result<(), std::io::Error> {
        use std::sync::atomic::Ordering;
        let Some(budget) = &mut self.budget else {
            return Ok(());
        };
        if held >= budget.mine {
            budget
                .total
                .fetch_add(held - budget.mine, Ordering::Relaxed);
        } else {
            budget
                .total
                .fetch_sub(budget.mine - held, Ordering::Relaxed);
        }
        budget.mine = held;
        if held > ALWAYS_ALLOWED && budget.total.load(Ordering::Relaxed) > budget.max {
            return Err(std::io::Error::other(
                "unfinished lines of all connections are over their budget",
            ));
        }
        Ok(())
    }
}

impl Drop for LineFramer {
    fn drop(&mut self) {
        let _ = self.account(0); // gives this framer's bytes back
    }
}

impl Decoder for LineFramer {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        let frame = self.decode_line(buf);
        self.account(buf.len())?;
        frame
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        let frame = self.decode_last(buf);
        self.account(buf.len())?;
        frame
    }
}

impl LineFramer {
    fn decode_line(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        loop {
            let newline = buf[self.scanned..]
                .iter()
                .position(|b| *b == b'\n')
                .map(|i| self.scanned + i);
            if let Some(seen) = self.discarding {
                match newline {
                    Some(i) => {
                        buf.advance(i + 1);
                        self.discarding = None;
                        self.scanned = 0;
                        return Ok(Some(Frame::Oversized { len: seen + i }));
                    }
                    None => {
                        self.discarding = Some(seen + buf.len());
                        buf.clear();
                        self.scanned = 0;
                        return Ok(None);
                    }
                }
            }
            // A `\r` before the newline is not part of the line's length: a
            // line of exactly the cap ends `\r\n` as well as `\n`.
            let content = |i: usize| {
                if i > 0 && buf[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                }
            };
            match newline {
                Some(i) if content(i) > self.max => {
                    buf.advance(i + 1);
                    self.scanned = 0;
                    return Ok(Some(Frame::Oversized { len: i }));
                }
                Some(i) => {
                    let mut line = buf.split_to(i + 1);
                    line.truncate(i);
                    self.scanned = 0;
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue; // empty lines are ignored
                    }
                    return Ok(Some(Frame::Line(line)));
                }
                None if buf.len() > self.max + 1 => {
                    self.discarding = Some(buf.len());
                    buf.clear();
                    self.scanned = 0;
                    return Ok(None);
                }
                None => {
                    self.scanned = buf.len();
                    return Ok(None);
                }
            }
        }
    }

    fn decode_last(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        if let Some(frame) = self.decode_line(buf)? {
            return Ok(Some(frame));
        }
        if let Some(seen) = self.discarding.take() {
            return Ok(Some(Frame::Oversized { len: seen }));
        }
        self.scanned = 0;
        // A last line without its newline still counts.
        if buf.iter().all(u8::is_ascii_whitespace) {
            buf.clear();
            return Ok(None);
        }
        Ok(Some(Frame::Line(buf.split())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(max: usize, chunks: &[&[u8]]) -> Vec<Frame> {
        let mut framer = LineFramer::new(max);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(f) = framer.decode(&mut buf).expect("infallible") {
                out.push(f);
            }
            assert!(buf.len() <= max + chunk.len(), "the buffer stays bounded");
        }
        while let Some(f) = framer.decode_eof(&mut buf).expect("infallible") {
            out.push(f);
        }
        out
    }

    fn line(s: &str) -> Frame {
        Frame::Line(BytesMut::from(s))
    }

    #[test]
    fn splits_lines_across_chunks_and_skips_empty_ones() {
        let got = frames(
            100,
            &[b"{\"a\"", b":1}\n\n  \r\n{\"b\":2}\r\n", b"{\"c\":3}"],
        );
        assert_eq!(
            got,
            [line("{\"a\":1}"), line("{\"b\":2}\r"), line("{\"c\":3}")]
        );
    }

    #[test]
    fn an_oversized_line_is_skipped_and_the_next_one_is_read() {
        let big = [b'x'; 50];
        let got = frames(10, &[&big[..20], &big[20..], b"\n{\"ok\":1}\n"]);
        assert_eq!(got, [Frame::Oversized { len: 50 }, line("{\"ok\":1}")]);
        let got = frames(10, &[b"0123456789ABC\nok\n"]);
        assert_eq!(got, [Frame::Oversized { len: 13 }, line("ok")]);
    }

    #[test]
    fn an_oversized_line_cut_by_eof_is_reported() {
        let got = frames(4, &[b"0123456789"]);
        assert_eq!(got, [Frame::Oversized { len: 10 }]);
    }

    #[test]
    fn a_line_of_exactly_the_cap_ends_with_crlf_or_lf() {
        let line = [b'x'; 16];
        let mut crlf = line.to_vec();
        crlf.extend_from_slice(b"\r\n");
        let got = frames(16, &[&crlf]);
        assert!(
            matches!(&got[..], [Frame::Line(l)] if l.len() == 17),
            "{got:?}"
        );
        let mut lf = line.to_vec();
        lf.push(b'\n');
        assert!(matches!(&frames(16, &[&lf])[..], [Frame::Line(l)] if l.len() == 16));
        // Split before the newline, as a socket may deliver it.
        let got = frames(16, &[&crlf[..17], &crlf[17..]]);
        assert!(
            matches!(&got[..], [Frame::Line(l)] if l.len() == 17),
            "{got:?}"
        );
        // One byte more is over the cap either way.
        let mut over = [b'x'; 17].to_vec();
        over.extend_from_slice(b"\r\n");
        assert_eq!(frames(16, &[&over]), [Frame::Oversized { len: 18 }]);
    }
}
