//! When notices wait: Island's own do not disturb, the desktop's (its
//! notification server's `Inhibited`, GNOME's banners off), and quiet
//! hours (`[notifications] quiet_hours = "22:00-08:00"`, on the local
//! clock). While any holds, turn notices wait and go out together when it
//! ends; approvals still show unless `approvals_in_dnd = "hold"`, in which
//! case their notices wait too (the widget and the tray show them all the
//! same). The reducer's clock decides quiet hours, so data files drive
//! them.

use serde::{Deserialize, Serialize};

use super::{ApprovalRef, NoticeKey, Out, SessionTracker, notices};

/// A daily span of local time, `start` inclusive, `end` exclusive; it may
/// wrap past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// Minutes after midnight it starts.
    pub start_min: u16,
    /// Minutes after midnight it ends.
    pub end_min: u16,
}

const DAY_MS: i64 = 86_400_000;

impl QuietHours {
    /// Reads `HH:MM-HH:MM`; an empty text is none.
    ///
    /// # Errors
    /// Anything else, said plainly.
    pub fn parse(text: &str) -> Result<Option<Self>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let bad = || format!("quiet_hours {text:?} is not like \"22:00-08:00\"");
        let minute = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60 && t.trim().len() == 5).then_some(h * 60 + m)
        };
        let (a, b) = text.split_once('-').ok_or_else(bad)?;
        let (start_min, end_min) = (minute(a).ok_or_else(bad)?, minute(b).ok_or_else(bad)?);
        if start_min == end_min {
            return Err(format!(
                "quiet_hours {text:?} starts and ends at the same time"
            ));
        }
        Ok(Some(Self { start_min, end_min }))
    }

    fn minute_of(local_ms: i64) -> i64 {
        local_ms.rem_euclid(DAY_MS) / 60_000
    }

    /// Whether the local time `local_ms` (ms since the epoch, shifted to
    /// local time) is inside.
    #[must_use]
    pub fn contains(&self, local_ms: i64) -> bool {
        let m = Self::minute_of(local_ms);
        let (s, e) = (i64::from(self.start_min), i64::from(self.end_min));
        if s < e {
            (s..e).contains(&m)
        } else {
            m >= s || m < e
        }
    }

    /// The next start or end after `local_ms`, in the same local ms.
    #[must_use]
    pub fn next_change(&self, local_ms: i64) -> i64 {
        let day = local_ms - local_ms.rem_euclid(DAY_MS);
        [self.start_min, self.end_min]
            .iter()
            .flat_map(|m| {
                let at = day + i64::from(*m) * 60_000;
                [at, at + DAY_MS]
            })
            .filter(|at| *at > local_ms)
            .min()
            .unwrap_or(local_ms + DAY_MS)
    }

    /// `22:00-08:00`.
    #[must_use]
    pub fn describe(&self) -> String {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        format!("{}-{}", hm(self.start_min), hm(self.end_min))
    }
}

/// Why notices wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    /// Island's own do not disturb.
    DoNotDisturb,
    /// The desktop's.
    Desktop,
    /// Quiet hours.
    Hours(QuietHours),
}

impl SessionTracker {
    fn local_ms(&self) -> i64 {
        self.now_ms + i64::from(self.policy.utc_offset_min) * 60_000
    }

    /// Why notices wait now, if they do.
    #[must_use]
    pub fn quiet(&self) -> Option<Quiet> {
        if self.policy.do_not_disturb {
            Some(Quiet::DoNotDisturb)
        } else if self.desktop_dnd {
            Some(Quiet::Desktop)
        } else {
            self.policy
                .quiet_hours
                .filter(|h| h.contains(self.local_ms()))
                .map(Quiet::Hours)
        }
    }

    /// For people: why notices wait, if they do.
    #[must_use]
    pub fn holding(&self) -> Option<String> {
        self.quiet().map(|q| match q {
            Quiet::DoNotDisturb => "do not disturb".to_owned(),
            Quiet::Desktop => "the desktop's do not disturb".to_owned(),
            Quiet::Hours(h) => format!("quiet hours ({})", h.describe()),
        })
    }

    /// Whether this notice waits now.
    pub(super) fn holds(&self, key: &NoticeKey) -> bool {
        match key {
            NoticeKey::Approval(_) => {
                self.policy.hold_approvals_when_quiet && self.quiet().is_some()
            }
            NoticeKey::Turn(_) | NoticeKey::Summary => self.quiet().is_some(),
            NoticeKey::Focus(_) => false,
        }
    }

    /// The next quiet-hours change, in the reducer's (UTC) ms.
    pub(super) fn next_quiet_change(&self) -> Option<i64> {
        let hours = self.policy.quiet_hours?;
        let local = self.local_ms();
        Some(hours.next_change(local) - (local - self.now_ms))
    }

    /// Called after every input: when the quiet ends, what waited goes
    /// out (finished turns together, approvals still open one by one).
    pub(super) fn release_when_loud(&mut self, out: &mut Out) {
        let quiet = self.quiet().is_some();
        if quiet != self.was_quiet {
            // The board and the tray say so.
            out.changed = true;
        }
        let was = std::mem::replace(&mut self.was_quiet, quiet);
        if quiet || !was {
            return;
        }
        let held = std::mem::take(&mut self.held_turns);
        self.announce_turns(held, out);
        let waiting: Vec<_> = self
            .sessions
            .values()
            .flat_map(|s| {
                s.approvals
                    .iter()
                    .filter(|a| {
                        !self
                            .shown
                            .contains(&NoticeKey::Approval(ApprovalRef::new(&s.id, &a.id)))
                    })
                    .map(|a| notices::approval(s, a, false))
            })
            .collect();
        for notice in waiting {
            self.notify(notice, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_are_read_and_wrap_past_midnight() {
        let h = QuietHours::parse("22:00-08:00")
            .unwrap_or_default()
            .unwrap_or(QuietHours {
                start_min: 0,
                end_min: 1,
            });
        assert_eq!((h.start_min, h.end_min), (22 * 60, 8 * 60));
        let at = |hh: i64, mm: i64| (hh * 60 + mm) * 60_000 + 3 * DAY_MS;
        assert!(h.contains(at(23, 0)) && h.contains(at(2, 0)) && h.contains(at(22, 0)));
        assert!(!h.contains(at(8, 0)) && !h.contains(at(12, 0)));
        assert_eq!(h.next_change(at(12, 0)), at(22, 0));
        assert_eq!(h.next_change(at(23, 0)), at(8, 0) + DAY_MS);
        assert_eq!(h.describe(), "22:00-08:00");
        assert_eq!(QuietHours::parse(""), Ok(None));
        for bad in ["22-8", "25:00-08:00", "22:00", "10:00-10:00", "9:00-10:00"] {
            assert!(QuietHours::parse(bad).is_err(), "{bad}");
        }
    }
}
