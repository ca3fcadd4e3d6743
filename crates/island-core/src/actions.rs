//! The answers an approval offers, as notification buttons and tray menu
//! items name them: each answer's id and label, defined here once.

use island_protocol::ReviewDecision;

/// The answers Island offers, in the order they are shown.
pub const ANSWERS: [ReviewDecision; 3] = [
    ReviewDecision::Approved,
    ReviewDecision::ApprovedForSession,
    ReviewDecision::Denied,
];

/// An answer's id in notification actions and menu item ids; `None` for
/// answers Island does not offer.
#[must_use]
pub fn id(decision: &ReviewDecision) -> Option<&'static str> {
    match decision {
        ReviewDecision::Approved => Some("approve"),
        ReviewDecision::ApprovedForSession => Some("approve_for_session"),
        ReviewDecision::Denied => Some("deny"),
        _ => None,
    }
}

/// An answer's label on a notification button.
#[must_use]
pub fn label(decision: &ReviewDecision) -> &'static str {
    match decision {
        ReviewDecision::ApprovedForSession => "Approve for session",
        ReviewDecision::Denied => "Deny",
        _ => "Approve",
    }
}

/// The answer an id names.
#[must_use]
pub fn parse(id: &str) -> Option<ReviewDecision> {
    ANSWERS.into_iter().find(|d| self::id(d) == Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_round_trips_through_its_id() {
        for answer in ANSWERS {
            assert_eq!(id(&answer).and_then(parse), Some(answer));
        }
        assert_eq!(id(&ReviewDecision::Abort), None);
        assert_eq!(parse("abort"), None);
        assert_eq!(id(&ReviewDecision::Approved), Some("approve"));
    }
}
