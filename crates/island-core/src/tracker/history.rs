//! What the reducer records when an approval closes: an entry for the
//! history file (an effect; the host writes it) and the widget's "recent"
//! list.

use island_protocol::Timestamp;

use super::{Effect, Out, SessionTracker};
use crate::history::{AnsweredBy, Entry};

/// How many closed approvals the widget lists.
pub const RECENT: usize = 5;

impl SessionTracker {
    /// Records approval `approval_id` of session `id` as closed now by `by`
    /// with `decision`, if it is still open.
    pub(super) fn record(
        &mut self,
        id: &str,
        approval_id: &str,
        by: AnsweredBy,
        decision: &str,
        out: &mut Out,
    ) {
        let Some(session) = self.sessions.get(id) else {
            return;
        };
        let Some(approval) = session
            .approvals
            .iter()
            .find(|a| a.id == approval_id)
            .or_else(|| session.detached.get(approval_id))
        else {
            return;
        };
        let closed_at = Timestamp::from_unix_millis(self.now_ms).unwrap_or(approval.requested_at);
        let entry = Entry {
            requested_at: approval.requested_at,
            closed_at,
            waited_ms: (self.now_ms - approval.requested_at.unix_millis()).max(0),
            agent: session.agent.clone(),
            session: session.id.clone(),
            project: session.title.clone(),
            host: session.remote.as_ref().map(|r| r.host.clone()),
            approval: approval.id.clone(),
            command: approval.command.clone(),
            cwd: approval.cwd.clone().or_else(|| session.cwd.clone()),
            answered_by: by,
            decision: decision.to_owned(),
        };
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(entry.clone());
        out.changed = true;
        out.push(Effect::Record(Box::new(entry)));
        if let Some(session) = self.sessions.get_mut(id) {
            session.detached.remove(approval_id);
        }
    }

    /// The last approvals that closed, newest first.
    pub fn recent(&self) -> impl Iterator<Item = &Entry> {
        self.recent.iter().rev()
    }
}
