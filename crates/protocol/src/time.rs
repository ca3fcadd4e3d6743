//! The timestamp carried in every `at` field: RFC 3339 on the wire, UTC inside.

use std::fmt;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A point in time as the protocol carries it.
///
/// Input accepts `Z` or any offset and 0 to 9 fractional digits; output is
/// always UTC with microseconds and `+00:00`, the shape the upstream sink
/// writes (`2026-08-20T16:23:40.413561+00:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// The current wall-clock time.
    #[must_use]
    pub fn now() -> Self {
        Self(Utc::now())
    }

    /// Parses an RFC 3339 string.
    ///
    /// # Errors
    /// When the text is not RFC 3339.
    pub fn parse(text: &str) -> Result<Self, chrono::ParseError> {
        DateTime::parse_from_rfc3339(text).map(|t| Self(t.with_timezone(&Utc)))
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub fn unix_millis(self) -> i64 {
        self.0.timestamp_millis()
    }

    /// Builds a timestamp from milliseconds since the Unix epoch.
    #[must_use]
    pub fn from_unix_millis(ms: i64) -> Option<Self> {
        DateTime::from_timestamp_millis(ms).map(Self)
    }
}

impl Timestamp {
    /// Writes `YYYY-MM-DDTHH:MM:SS.ffffff+00:00` into `buf`.
    ///
    /// Digit by digit: this runs once per event on the sink's task, where
    /// chrono's writer (which allocates) and `write!` padding both showed
    /// up in profiles.
    fn write_rfc3339(self, buf: &mut [u8; 32]) -> &str {
        let t = &self.0;
        // Years outside 0..=9999 do not fit the fixed layout; clamp them.
        let year = t.year().clamp(0, 9999) as u32;
        // A leap second shows as nanoseconds past 1e9; keep six digits.
        let micros = (t.nanosecond() / 1000).min(999_999);
        let fields: [(usize, u32, usize); 7] = [
            (0, year, 4),
            (5, t.month(), 2),
            (8, t.day(), 2),
            (11, t.hour(), 2),
            (14, t.minute(), 2),
            (17, t.second(), 2),
            (20, micros, 6),
        ];
        *buf = *b"0000-00-00T00:00:00.000000+00:00";
        for (start, mut value, width) in fields {
            for i in (start..start + width).rev() {
                buf[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        // Only ASCII digits were written into an ASCII template.
        std::str::from_utf8(buf).unwrap_or("1970-01-01T00:00:00.000000+00:00")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.write_rfc3339(&mut [0; 32]))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Self(t)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.write_rfc3339(&mut [0; 32]))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(|e| E::custom(format_args!("bad timestamp {v:?}: {e}")))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_shape_the_protocol_allows() {
        for text in [
            "2026-08-20T16:27:09Z",
            "2026-08-20T16:28:00.5+00:00",
            "2026-08-20T16:23:40.413561+00:00",
            "2026-08-20T18:23:40.123456789+02:00",
        ] {
            assert!(Timestamp::parse(text).is_ok(), "{text}");
        }
        assert!(Timestamp::parse("yesterday").is_err());
    }

    #[test]
    fn writes_utc_microseconds_with_offset() -> Result<(), chrono::ParseError> {
        let t = Timestamp::parse("2026-08-20T18:23:40.5+02:00")?;
        assert_eq!(t.to_string(), "2026-08-20T16:23:40.500000+00:00");
        let t = Timestamp::parse("0999-01-02T03:04:05.000001Z")?;
        assert_eq!(t.to_string(), "0999-01-02T03:04:05.000001+00:00");
        // The same text chrono's own writer gives.
        let now = Timestamp::now();
        assert_eq!(
            now.to_string(),
            now.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
        );
        Ok(())
    }
}
