//! The snapshot (PROTOCOL 5b) in two shapes: `Snapshot` for callers in
//! this process, and the line itself written straight from the tracker's
//! data for `status` and watchers.

use super::*;

impl SessionTracker {
    /// The server's counters with the reducer's own.
    pub(super) fn with_own_counters(&self, counters: Counters) -> Counters {
        Counters {
            refused_sessions: self.refused_sessions,
            refused_approvals: self.refused_approvals,
            refused_answers: self.refused_answers,
            ..counters
        }
    }

    /// What Island knows, in the shape of PROTOCOL 5b.
    #[must_use]
    pub fn snapshot(&self, counters: Counters) -> Snapshot {
        let counters = self.with_own_counters(counters);
        let sessions = self
            .sessions
            .values()
            .map(|s| SessionSnapshot {
                id: s.id.clone(),
                agent: s.agent.clone(),
                title: s.title.clone(),
                host: s.remote.as_ref().map(|r| r.host.clone()),
                cwd: s.cwd.clone(),
                state: s.state(),
                turn_started_at: s.turn.as_ref().map(|(_, at)| *at),
                last_activity_at: s.last_activity,
                approvals: s
                    .approvals
                    .iter()
                    .map(|a| ApprovalSnapshot {
                        approval_id: a.id.clone(),
                        command: a
                            .command
                            .as_deref()
                            .map(|c| snapshot_command(c).into_owned()),
                        cwd: a.cwd.clone(),
                        reason: a.reason.clone(),
                        decisions: a.decisions.clone(),
                        requested_at: a.requested_at,
                    })
                    .collect(),
                current_tool: s.current_tool.clone(),
                jobs: s.jobs.clone(),
                model: s.model.clone(),
                permission_mode: s.permission_mode.clone(),
            })
            .collect();
        Snapshot {
            sessions,
            counters,
            holding: self.holding(),
        }
    }
}

/// A command as snapshots carry it: whole up to `SNAPSHOT_COMMAND_CHARS`,
/// else cut with a marker that says how much is missing.
pub(super) fn snapshot_command(command: &str) -> std::borrow::Cow<'_, str> {
    match command.char_indices().nth(SNAPSHOT_COMMAND_CHARS) {
        None => std::borrow::Cow::Borrowed(command),
        Some((at, _)) => {
            let missing = command[at..].chars().count();
            std::borrow::Cow::Owned(format!(
                "{}{}",
                &command[..at],
                crate::display::cut_marker(missing)
            ))
        }
    }
}

/// The snapshot line, serialized from the tracker's own data without
/// copying it first: with a thousand sessions the copy was most of the
/// cost of a `status`. It must write exactly what `Snapshot` writes; a
/// test compares the two.
mod snapshot_view {
    use island_protocol::{Counters, ReviewDecision, SessionState, Timestamp};
    use serde::Serialize;

    #[derive(Serialize)]
    pub(super) struct Line<'a> {
        pub(super) snapshot: View<'a>,
    }

    #[derive(Serialize)]
    pub(super) struct View<'a> {
        pub(super) sessions: Vec<SessionView<'a>>,
        pub(super) counters: Counters,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) holding: Option<String>,
    }

    #[derive(Serialize)]
    pub(super) struct SessionView<'a> {
        pub(super) id: &'a str,
        pub(super) agent: Option<&'a str>,
        pub(super) title: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) host: Option<&'a str>,
        pub(super) cwd: Option<&'a str>,
        pub(super) state: SessionState,
        pub(super) turn_started_at: Option<Timestamp>,
        pub(super) last_activity_at: Timestamp,
        pub(super) approvals: Vec<ApprovalView<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) current_tool: Option<&'a str>,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        pub(super) jobs: &'a [island_protocol::JobSnapshot],
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) model: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) permission_mode: Option<&'a str>,
    }

    #[derive(Serialize)]
    pub(super) struct ApprovalView<'a> {
        pub(super) approval_id: &'a str,
        pub(super) command: Option<std::borrow::Cow<'a, str>>,
        pub(super) cwd: Option<&'a str>,
        pub(super) reason: Option<&'a str>,
        pub(super) decisions: &'a [ReviewDecision],
        pub(super) requested_at: Timestamp,
    }
}

impl SessionTracker {
    /// The `{"snapshot":...}` line (with its newline), as
    /// `encode_line(&IslandMessage::Snapshot(self.snapshot(counters)))`
    /// would write it, without building the `Snapshot` first.
    ///
    /// # Errors
    /// Only if serialization fails, which these types never do.
    pub fn snapshot_line(&self, counters: Counters) -> Result<Vec<u8>, serde_json::Error> {
        let counters = self.with_own_counters(counters);
        use snapshot_view::{ApprovalView, Line, SessionView, View};
        let sessions = self
            .sessions
            .values()
            .map(|s| SessionView {
                id: &s.id,
                agent: s.agent.as_deref(),
                title: &s.title,
                host: s.remote.as_ref().map(|r| r.host.as_str()),
                cwd: s.cwd.as_deref(),
                state: s.state(),
                turn_started_at: s.turn.as_ref().map(|(_, at)| *at),
                last_activity_at: s.last_activity,
                approvals: s
                    .approvals
                    .iter()
                    .map(|a| ApprovalView {
                        approval_id: &a.id,
                        command: a.command.as_deref().map(snapshot_command),
                        cwd: a.cwd.as_deref(),
                        reason: a.reason.as_deref(),
                        decisions: &a.decisions,
                        requested_at: a.requested_at,
                    })
                    .collect(),
                current_tool: s.current_tool.as_deref(),
                jobs: &s.jobs,
                model: s.model.as_deref(),
                permission_mode: s.permission_mode.as_deref(),
            })
            .collect();
        island_protocol::encode_line(&Line {
            snapshot: View {
                sessions,
                counters,
                holding: self.holding(),
            },
        })
    }
}
