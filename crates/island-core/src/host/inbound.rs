//! What comes in: the server's connections and lines (status and watch
//! answered here, the rest to the reducer), and what the user did outside
//! the socket.

use super::*;

impl Host {
    pub(super) fn on_inbound(&mut self, message: Inbound) {
        match message {
            Inbound::Opened {
                conn,
                peer,
                outbound,
            } => {
                self.outbound.insert(conn, outbound);
                self.apply(Input::Opened { conn, peer });
            }
            Inbound::Whole {
                conn,
                peer,
                messages,
            } => {
                self.apply(Input::Opened { conn, peer });
                for message in messages {
                    self.on_inbound(Inbound::Message { conn, message });
                }
                self.apply(Input::Closed { conn });
            }
            Inbound::Closed { conn } => {
                self.outbound.remove(&conn);
                crate::tracker::shrink_after_a_storm(&mut self.outbound);
                self.watchers.remove(&conn);
                self.apply(Input::Closed { conn });
            }
            Inbound::Message { conn, message } => self.on_message(conn, message),
        }
    }

    /// Whether a connection's peer is an `ssh` process: a forward from
    /// another machine, `island remote`'s or one of the user's own
    /// `~/.ssh/config`.
    fn peer_is_ssh(&self, conn: ConnId) -> bool {
        self.tracker
            .peer_of(conn)
            .and_then(|p| p.pid)
            .and_then(crate::platform::process_name)
            .is_some_and(|name| name == "ssh")
    }

    fn on_message(&mut self, conn: ConnId, message: AgentMessage) {
        let control = matches!(
            message,
            AgentMessage::Status(_)
                | AgentMessage::Watch(_)
                | AgentMessage::Decide(_)
                | AgentMessage::Focus(_)
                | AgentMessage::Remote(_)
        );
        let known_remote = self.tracker.is_from_another_machine(conn);
        if control && (known_remote || self.peer_is_ssh(conn)) {
            // Another machine's agents send events and take answers on
            // their own connections; they may not read this machine's
            // sessions, answer its approvals or register forwards.
            tracing::warn!(
                conn = conn.0,
                "refused a control request that came from another machine"
            );
            self.close(conn);
            return;
        }
        if matches!(message, AgentMessage::Hello(_)) && !known_remote && self.peer_is_ssh(conn) {
            self.apply(Input::ViaForward { conn });
        }
        match message {
            AgentMessage::Status(_) => {
                self.send_snapshot(conn);
                self.close(conn);
            }
            AgentMessage::Watch(_) => {
                self.send_snapshot(conn);
                self.watchers.insert(conn);
            }
            AgentMessage::Decide(request) => self.apply(Input::Decide {
                session_id: request.session_id,
                approval_id: request.approval_id,
                decision: request.decision,
                source: island_protocol::DecisionSource::Cli,
                token: request.token,
                reply_to: Some(conn),
            }),
            AgentMessage::Focus(request) => self.apply(Input::Focus {
                session_id: if request.waiting {
                    None
                } else {
                    request.session_id
                },
                reply_to: Some(conn),
            }),
            AgentMessage::Remote(request) => {
                let registrar = self.tracker.peer_of(conn).and_then(|p| p.pid);
                match crate::platform::own_ssh_process(request.ssh_pid, registrar) {
                    Ok(start_time) => self.apply(Input::Forward {
                        conn,
                        host: request.host,
                        pid: request.ssh_pid,
                        start_time,
                        control_path: request.control_path,
                    }),
                    Err(reason) => {
                        tracing::warn!(conn = conn.0, "refused a forward's registration: {reason}");
                        self.close(conn);
                    }
                }
            }
            AgentMessage::Decision(_) => {
                tracing::debug!(conn = conn.0, "ignored a decision line sent by an agent");
            }
            message @ (AgentMessage::Hello(_) | AgentMessage::Event(_)) => {
                self.apply(Input::Message { conn, message });
            }
        }
    }

    pub(super) fn on_action(&mut self, action: UserAction) {
        let input = match action {
            UserAction::Decide {
                approval,
                decision,
                source,
            } => Input::Decide {
                session_id: Some(approval.session),
                approval_id: approval.id,
                decision,
                source,
                token: None,
                reply_to: None,
            },
            UserAction::Focus { session_id } => Input::Focus {
                session_id: Some(session_id),
                reply_to: None,
            },
            UserAction::SetDoNotDisturb(on) => Input::SetDoNotDisturb(on),
            UserAction::DesktopDoNotDisturb(on) => Input::SetDesktopDoNotDisturb(on),
            UserAction::WidgetShown(shown) => {
                self.widget_shown = shown;
                return;
            }
            UserAction::NoticeSettings {
                sounds,
                hold_focused_approvals,
                approvals_with_widget,
            } => {
                self.notices.set_sounds(sounds);
                self.gate.hold_focused_approvals(hold_focused_approvals);
                self.approvals_with_widget = approvals_with_widget;
                return;
            }
            UserAction::SetPolicy(policy) => Input::SetPolicy(policy),
        };
        self.apply(input);
    }
}
