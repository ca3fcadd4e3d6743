//! The timestamp carried in every `at` field: RFC 3339 on the wire, UTC inside.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
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

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Micros, false))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Self(t)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
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
        Ok(())
    }
}
