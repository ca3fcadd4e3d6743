//! What the bridge tests share.

use island_agents::bridge::Plan;
use island_protocol::{EventFrame, ExecApprovalRequestEvent, HookEvent};

/// The approval request a plan sends.
pub fn request_of(plan: &Plan) -> &ExecApprovalRequestEvent {
    plan.events
        .iter()
        .find_map(|e| match &e.event {
            HookEvent::GenericEventFrame {
                frame: EventFrame::ExecApprovalRequest { request },
            } => Some(&**request),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no request in {:?}", plan.events))
}
