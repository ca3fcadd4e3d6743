//! The answers Island offers to an approval, one vocabulary from the
//! widget's buttons, the notification's buttons and the tray's items down
//! to the reducer: each [`Answer`]'s id (also its JSON) and label are
//! defined here once, and [`Answer::decision`] is the one place an answer
//! becomes the protocol's decision.

use island_protocol::ReviewDecision;
use serde::{Deserialize, Serialize};

/// An answer a person gives from Island.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Approve once.
    Approve,
    /// Approve for the rest of the session (where the agent offers it).
    ApproveForSession,
    /// Deny.
    Deny,
}

impl Answer {
    /// Every answer, in the order they are shown.
    pub const ALL: [Self; 3] = [Self::Approve, Self::ApproveForSession, Self::Deny];

    /// Its id: the notification action, the menu item's kind, its JSON.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::ApproveForSession => "approve_for_session",
            Self::Deny => "deny",
        }
    }

    /// Its label on a notification button.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Approve => "Approve",
            Self::ApproveForSession => "Approve for session",
            Self::Deny => "Deny",
        }
    }

    /// The answer an id names.
    #[must_use]
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    /// The protocol's decision for it.
    #[must_use]
    pub const fn decision(self) -> ReviewDecision {
        match self {
            Self::Approve => ReviewDecision::Approved,
            Self::ApproveForSession => ReviewDecision::ApprovedForSession,
            Self::Deny => ReviewDecision::Denied,
        }
    }

    /// The answer for a decision; `None` for decisions Island does not
    /// offer.
    #[must_use]
    pub fn of(decision: &ReviewDecision) -> Option<Self> {
        Self::ALL.into_iter().find(|a| &a.decision() == decision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_round_trips_through_its_id_json_and_decision() {
        for answer in Answer::ALL {
            assert_eq!(Answer::parse(answer.id()), Some(answer));
            assert_eq!(Answer::of(&answer.decision()), Some(answer));
            assert_eq!(
                serde_json::to_value(answer).ok(),
                Some(serde_json::Value::from(answer.id()))
            );
        }
        assert_eq!(Answer::of(&ReviewDecision::Abort), None);
        assert_eq!(Answer::parse("abort"), None);
    }
}
