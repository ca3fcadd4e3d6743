//! The answers Island offers to an approval, one vocabulary from the
//! widget's buttons, the notification's buttons and the tray's items down
//! to the reducer: each [`Answer`]'s id (also its JSON) and label are
//! defined here once, and [`Answer::decision`] is the one place an answer
//! becomes the protocol's decision.

use island_protocol::ReviewDecision;
use serde::{Deserialize, Serialize};

/// An answer a person gives from Island.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Answer {
    /// Approve once.
    Approve,
    /// Approve for the rest of the session (where the agent offers it).
    ApproveForSession,
    /// Deny.
    Deny,
    /// One of a question's options, by its label (where the agent asks
    /// the user to choose).
    Choose(String),
}

/// The id of a choice starts with this, then the option's label.
const CHOOSE: &str = "choose:";

impl Answer {
    /// The fixed answers, in the order they are shown (a question's
    /// options come before them).
    pub const FIXED: [Self; 3] = [Self::Approve, Self::ApproveForSession, Self::Deny];

    /// Its id: the notification action, the menu item's kind, its JSON.
    #[must_use]
    pub fn id(&self) -> String {
        match self {
            Self::Approve => "approve".into(),
            Self::ApproveForSession => "approve_for_session".into(),
            Self::Deny => "deny".into(),
            Self::Choose(label) => format!("{CHOOSE}{label}"),
        }
    }

    /// Its label on a notification button.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Approve => "Approve".into(),
            Self::ApproveForSession => "Approve for session".into(),
            Self::Deny => "Deny".into(),
            Self::Choose(label) => label.clone(),
        }
    }

    /// The answer an id names.
    #[must_use]
    pub fn parse(id: &str) -> Option<Self> {
        if let Some(label) = id.strip_prefix(CHOOSE) {
            return Some(Self::Choose(label.to_owned()));
        }
        Self::FIXED.into_iter().find(|a| a.id() == id)
    }

    /// The protocol's decision for it.
    #[must_use]
    pub fn decision(&self) -> ReviewDecision {
        match self {
            Self::Approve => ReviewDecision::Approved,
            Self::ApproveForSession => ReviewDecision::ApprovedForSession,
            Self::Deny => ReviewDecision::Denied,
            Self::Choose(label) => ReviewDecision::Chosen {
                label: label.clone(),
            },
        }
    }

    /// The answer for a decision; `None` for decisions Island does not
    /// offer.
    #[must_use]
    pub fn of(decision: &ReviewDecision) -> Option<Self> {
        if let Some(label) = decision.option() {
            return Some(Self::Choose(label.to_owned()));
        }
        Self::FIXED.into_iter().find(|a| &a.decision() == decision)
    }

    /// The answers Island offers for an approval that lists `decisions`:
    /// a question's options, then approve, approve for the session and
    /// deny, each where the agent lists it. Before the agent lists any,
    /// the two every agent takes: approve and deny.
    #[must_use]
    pub fn offered(decisions: &[ReviewDecision]) -> Vec<Self> {
        if decisions.is_empty() {
            return vec![Self::Approve, Self::Deny];
        }
        let choices = decisions
            .iter()
            .filter_map(ReviewDecision::option)
            .map(|label| Self::Choose(label.to_owned()));
        let fixed = Self::FIXED
            .into_iter()
            .filter(|a| decisions.contains(&a.decision()));
        choices.chain(fixed).collect()
    }
}

impl From<Answer> for String {
    fn from(answer: Answer) -> Self {
        answer.id()
    }
}

impl TryFrom<String> for Answer {
    type Error = String;
    fn try_from(id: String) -> Result<Self, Self::Error> {
        Self::parse(&id).ok_or_else(|| format!("no such answer: {id:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_round_trips_through_its_id_json_and_decision() {
        let choice = Answer::Choose("deny: no, \"SQLite\"".into());
        for answer in Answer::FIXED.into_iter().chain([choice]) {
            assert_eq!(Answer::parse(&answer.id()), Some(answer.clone()));
            assert_eq!(Answer::of(&answer.decision()), Some(answer.clone()));
            let json = serde_json::to_value(&answer).ok();
            assert_eq!(json, Some(serde_json::Value::from(answer.id())));
            assert_eq!(
                json.and_then(|j| serde_json::from_value::<Answer>(j).ok()),
                Some(answer)
            );
        }
        assert_eq!(Answer::of(&ReviewDecision::Abort), None);
        assert_eq!(Answer::parse("abort"), None);
        assert!(serde_json::from_str::<Answer>("\"abort\"").is_err());
    }

    #[test]
    fn what_is_offered_follows_what_the_agent_lists() {
        use ReviewDecision::{Approved, ApprovedForSession, Denied};
        let chosen = |l: &str| ReviewDecision::Chosen { label: l.into() };
        assert_eq!(Answer::offered(&[]), [Answer::Approve, Answer::Deny]);
        assert_eq!(
            Answer::offered(&[Denied, ApprovedForSession, Approved]),
            Answer::FIXED
        );
        assert_eq!(
            Answer::offered(&[chosen("Postgres"), chosen("SQLite"), Denied]),
            [
                Answer::Choose("Postgres".into()),
                Answer::Choose("SQLite".into()),
                Answer::Deny
            ]
        );
    }
}
