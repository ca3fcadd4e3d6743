//! The terminal answer token: with `[security] answers_from = "ui"`, an
//! answer from the command line (`island approve`, the socket's `decide`)
//! counts only with it.
//!
//! Island makes a new one at every start, from the operating system's
//! random source, and keeps it in memory only: it is never written to a
//! file, the log or a snapshot (any process of the user can read those).
//! The desktop shows it (the tray menu; `island --headless` writes it once
//! on its standard error), so the person at the desktop can pass it on,
//! while an agent's tool call, which sees neither, cannot answer for them.

/// 80 random bits, written as four groups of four Crockford base32
/// characters (`K7QM-2XWD-9FTB-H4NR`): short enough to type, far too many
/// to guess through the socket.
#[derive(Clone, PartialEq, Eq)]
pub struct AnswerToken(String);

/// Crockford's base32 alphabet: no I, L, O or U to misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl AnswerToken {
    /// A new token.
    ///
    /// # Errors
    /// When the operating system gives no random bytes.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        Ok(Self::from_random(&bytes))
    }

    /// The token for these random bytes (each character takes five bits of
    /// one byte; 16 bytes, 80 bits).
    #[must_use]
    pub fn from_random(bytes: &[u8; 16]) -> Self {
        let mut text = String::with_capacity(19);
        for (i, b) in bytes.iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                text.push('-');
            }
            text.push(char::from(ALPHABET[usize::from(b & 31)]));
        }
        Self(text)
    }

    /// The token as the desktop shows it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is this token, as a person may type it: any case,
    /// with or without the dashes and spaces, and Crockford's look-alikes
    /// (O for 0, I and L for 1). Every character is compared, so the time
    /// taken does not tell how much of a guess was right.
    #[must_use]
    pub fn matches(&self, given: &str) -> bool {
        let typed: Vec<u8> = given
            .bytes()
            .filter(|b| !matches!(b, b'-' | b' '))
            .map(|b| match b.to_ascii_uppercase() {
                b'O' => b'0',
                b'I' | b'L' => b'1',
                other => other,
            })
            .collect();
        let mine: Vec<u8> = self.0.bytes().filter(|b| *b != b'-').collect();
        if typed.len() != mine.len() {
            return false;
        }
        typed
            .iter()
            .zip(&mine)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
    }
}

/// Never printed by accident (a `{:?}` of a tracker or a policy).
impl std::fmt::Debug for AnswerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnswerToken(hidden)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_readable_and_matched_as_typed() {
        let a = AnswerToken::generate().expect("random bytes");
        let b = AnswerToken::generate().expect("random bytes");
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 19);
        assert!(
            a.as_str()
                .bytes()
                .all(|c| c == b'-' || ALPHABET.contains(&c))
        );
        let t = AnswerToken::from_random(&[
            0, 1, 10, 31, 32, 33, 200, 255, 17, 18, 19, 20, 21, 22, 23, 24,
        ]);
        assert_eq!(t.as_str(), "01AZ-018Z-HJKM-NPQR");
        assert!(t.matches("01AZ-018Z-HJKM-NPQR"));
        assert!(t.matches("01az 018z hjkm npqr"));
        assert!(t.matches("Olaz018zhjkmnpqr"));
        assert!(!t.matches("01AZ-018Z-HJKM-NPQ"));
        assert!(!t.matches("01AZ-018Z-HJKM-NPQS"));
        assert!(!t.matches(""));
        assert_eq!(format!("{t:?}"), "AnswerToken(hidden)");
    }
}
