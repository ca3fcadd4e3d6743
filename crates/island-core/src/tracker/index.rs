//! What the tray summary and the next wake-up are made of, kept per session
//! and brought up to date only for the sessions an input touched. An input
//! then costs the same with ten sessions or two thousand: the reducer marks
//! a session wherever it changes one (`touch`), and `refresh` recounts
//! those alone before the summary and the deadline are read.
//!
//! `SessionTracker::check_index` compares the result with a count over
//! every session; the reducer's data-driven tests call it after each step.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use island_protocol::SessionState;

use super::{Link, Policy, Session, TrayState, TraySummary};

/// One session's share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    state: SessionState,
    /// When the reducer needs a tick for this session, if ever.
    deadline: Option<i64>,
    one_line: bool,
    approvals: usize,
    /// The session's process, and the one its upstream link names (the
    /// same, or one of them absent, in practice).
    pids: [Option<u32>; 2],
}

/// The sums over every session, and the sessions to recount.
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    entries: HashMap<String, Entry>,
    deadlines: BTreeSet<(i64, String)>,
    working: usize,
    needs_you: usize,
    aborted: usize,
    one_line: usize,
    approvals: usize,
    by_pid: HashMap<u32, BTreeSet<String>>,
    dirty: Vec<String>,
}

impl Index {
    /// A session changed (or went): recount it at the next refresh.
    pub(super) fn touch(&mut self, id: &str) {
        if self.dirty.last().is_none_or(|last| last != id) {
            self.dirty.push(id.to_owned());
        }
    }

    /// Whether a session waits to be recounted.
    pub(super) fn is_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// Recounts the touched sessions.
    pub(super) fn refresh(&mut self, sessions: &BTreeMap<String, Session>, policy: &Policy) {
        for id in std::mem::take(&mut self.dirty) {
            let new = sessions.get(&id).map(|s| entry(s, policy));
            let old = self.entries.get(&id).copied();
            if new == old {
                continue; // most lines (a delta, a tool) change no share
            }
            if let Some(old) = old {
                self.add(&id, old, false);
                self.entries.remove(&id);
            }
            if let Some(new) = new {
                self.add(&id, new, true);
                self.entries.insert(id, new);
            }
        }
    }

    fn add(&mut self, id: &str, e: Entry, plus: bool) {
        let step = |n: &mut usize| {
            if plus {
                *n += 1;
            } else {
                *n = n.saturating_sub(1);
            }
        };
        match e.state {
            SessionState::Working => step(&mut self.working),
            SessionState::NeedsApproval => step(&mut self.needs_you),
            SessionState::Aborted => step(&mut self.aborted),
            _ => {}
        }
        if e.one_line {
            step(&mut self.one_line);
        }
        if plus {
            self.approvals += e.approvals;
        } else {
            self.approvals = self.approvals.saturating_sub(e.approvals);
        }
        let mut pids = e.pids;
        if pids[0] == pids[1] {
            pids[1] = None;
        }
        for pid in pids.into_iter().flatten() {
            if plus {
                self.by_pid.entry(pid).or_default().insert(id.to_owned());
            } else if let Some(ids) = self.by_pid.get_mut(&pid) {
                ids.remove(id);
                if ids.is_empty() {
                    self.by_pid.remove(&pid);
                }
            }
        }
        if let Some(at) = e.deadline {
            if plus {
                self.deadlines.insert((at, id.to_owned()));
            } else {
                self.deadlines.remove(&(at, id.to_owned()));
            }
        }
    }

    /// The tray summary of `sessions` sessions.
    pub(super) fn summary(&self, sessions: usize) -> TraySummary {
        summary(sessions, self.working, self.needs_you, self.aborted)
    }

    /// The earliest deadline of any session.
    pub(super) fn first_deadline(&self) -> Option<i64> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// Open approvals in all sessions.
    pub(super) fn approvals(&self) -> usize {
        self.approvals
    }

    /// The sessions of a process (its own, or named by an upstream link).
    pub(super) fn sessions_of(&self, pid: u32) -> Vec<String> {
        self.by_pid
            .get(&pid)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The sessions whose deadline has come.
    pub(super) fn due(&self, now_ms: i64) -> Vec<String> {
        self.deadlines
            .iter()
            .take_while(|(at, _)| *at <= now_ms)
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// Whether any session is an upstream one-line session.
    pub(super) fn has_one_line(&self) -> bool {
        self.one_line > 0
    }

    /// The same sums counted afresh over every session, to check the kept
    /// ones: (summary, first deadline, any one-line session).
    pub(super) fn recount(
        sessions: &BTreeMap<String, Session>,
        policy: &Policy,
    ) -> (TraySummary, Option<i64>, bool) {
        let mut fresh = Self::default();
        for id in sessions.keys() {
            fresh.touch(id);
        }
        fresh.refresh(sessions, policy);
        (
            fresh.summary(sessions.len()),
            fresh.first_deadline(),
            fresh.has_one_line(),
        )
    }
}

fn summary(sessions: usize, working: usize, needs_you: usize, aborted: usize) -> TraySummary {
    let state = if needs_you > 0 {
        TrayState::NeedsYou
    } else if working > 0 {
        TrayState::Working
    } else if aborted > 0 {
        TrayState::Error
    } else {
        TrayState::Idle
    };
    TraySummary {
        state,
        sessions,
        working,
        needs_you,
        aborted,
    }
}

fn entry(s: &Session, policy: &Policy) -> Entry {
    use super::ms;
    let mut deadline: Option<i64> = None;
    let mut consider = |t: i64| deadline = Some(deadline.map_or(t, |d| d.min(t)));
    if policy.realert_after_secs > 0 {
        for a in s.approvals.iter().filter(|a| !a.realerted) {
            consider(
                a.requested_at
                    .unix_millis()
                    .saturating_add(ms(policy.realert_after_secs)),
            );
        }
    }
    if let Some(since) = super::quiet_turn_since(s) {
        consider(since.saturating_add(ms(policy.quiet_after_secs)));
    }
    match s.link {
        Link::Disconnected { since_ms } => {
            consider(since_ms.saturating_add(ms(policy.disconnected_grace_secs)));
        }
        Link::OneLine { .. } if super::expires_when_idle(s) => {
            consider(
                s.last_activity
                    .unix_millis()
                    .saturating_add(ms(policy.one_line_idle_secs)),
            );
        }
        Link::OneLine { .. } | Link::Connected { .. } => {}
    }
    let link_pid = match s.link {
        Link::OneLine { pid } => pid,
        _ => None,
    };
    Entry {
        state: s.state(),
        deadline,
        one_line: matches!(s.link, Link::OneLine { .. }),
        approvals: s.approvals.len(),
        pids: [s.pid, link_pid],
    }
}
