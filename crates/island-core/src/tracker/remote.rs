//! Sessions from other machines. `island remote` forwards a remote
//! machine's socket to Island's over SSH and registers the local `ssh`
//! process that carries it: every connection whose peer is that process
//! comes from that machine. Such a session's pid is the remote machine's,
//! so Island never checks it; the session lives as long as its connection
//! or its idle time allows, and shows `disconnected` when the forward goes.

use island_protocol::{IslandMessage, PROTOCOL_VERSION, Timestamp, Welcome};

use super::{ConnId, Effect, Link, Out, Peer, Remote, SessionTracker};

/// A forward `island remote` registered.
#[derive(Debug, Clone)]
pub(super) struct Forward {
    pub(super) host: String,
    pub(super) pid: u32,
    pub(super) start_time: Option<u64>,
    pub(super) control_path: Option<String>,
}

impl Forward {
    fn remote(&self) -> Remote {
        Remote {
            host: self.host.clone(),
            ssh_pid: Some(self.pid),
            control_path: self.control_path.clone(),
        }
    }
}

/// What a hello's session is: through a registered forward, the forward's
/// machine (what Island knows beats what the agent says); through a
/// forward Island was not told about (the `~/.ssh/config` lines `island
/// remote --print-config` writes), or from an agent that says so, the
/// machine its hello names ("another machine" when it names none).
pub(super) fn of_hello(
    forwarded: Option<Remote>,
    via_forward: bool,
    claimed: Option<&str>,
) -> Option<Remote> {
    let claimed = claimed.map(str::trim).filter(|h| !h.is_empty());
    forwarded.or_else(|| {
        let host = match (claimed, via_forward) {
            (Some(host), _) => host.to_owned(),
            (None, true) => "another machine".to_owned(),
            (None, false) => return None,
        };
        Some(Remote {
            host,
            ssh_pid: None,
            control_path: None,
        })
    })
}

/// Whether a hello from `remote` (`None`: this machine) may attach to a
/// session that is `existing`: another machine's hello never takes over a
/// session of this machine or of a third one (it could learn the id and
/// silence the real agent); this machine's (trusted, same user) may.
pub(super) fn may_attach(remote: Option<&Remote>, existing: Option<&Remote>) -> bool {
    match (remote, existing) {
        (None, _) => true,
        (Some(r), Some(e)) => r.host == e.host,
        (Some(_), None) => false,
    }
}

impl SessionTracker {
    /// The machine a new connection from `peer` comes from, if its peer is
    /// the `ssh` of a registered forward.
    pub(super) fn forward_of(&self, peer: Peer) -> Option<Remote> {
        let pid = peer.pid?;
        self.forwards
            .values()
            .find(|f| f.pid == pid && (f.start_time.is_none() || f.start_time == peer.start_time))
            .map(Forward::remote)
    }

    /// The peer of an open connection.
    #[must_use]
    pub fn peer_of(&self, conn: ConnId) -> Option<Peer> {
        self.conns.get(&conn).map(|c| c.peer)
    }

    /// Whether connection `conn` comes from another machine through a
    /// forward (registered, or found by the host).
    #[must_use]
    pub fn is_from_another_machine(&self, conn: ConnId) -> bool {
        self.conns
            .get(&conn)
            .is_some_and(|c| c.remote.is_some() || c.via_forward)
    }

    pub(super) fn on_forward(&mut self, conn: ConnId, forward: Forward, out: &mut Out) {
        out.push(Effect::Send {
            conn,
            message: IslandMessage::Welcome(Welcome {
                protocol: PROTOCOL_VERSION,
                island_version: env!("CARGO_PKG_VERSION").into(),
            }),
        });
        self.forwards.insert(conn, forward);
    }

    /// The forward is gone (`island remote` stopped, or its `ssh` ended):
    /// its sessions that no connection holds show `disconnected`, and go
    /// after the grace period unless they come back through a new forward.
    pub(super) fn forward_gone(&mut self, forward: &Forward, now: Timestamp, out: &mut Out) {
        let since_ms = now.unix_millis();
        for session in self.sessions.values_mut() {
            let Some(remote) = &mut session.remote else {
                continue;
            };
            if remote.ssh_pid != Some(forward.pid) {
                continue;
            }
            remote.ssh_pid = None;
            remote.control_path = None;
            if matches!(session.link, Link::OneLine { .. }) {
                session.link = Link::Disconnected { since_ms };
            }
            self.index.touch(&session.id);
            out.changed = true;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use island_protocol::{AgentMessage, Hello, SessionState, Timestamp, decode_agent_line};

    use super::super::{ConnId, Input, Link, Peer, SessionTracker};

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_unix_millis(1_800_000_000_000 + ms).unwrap()
    }

    fn open(t: &mut SessionTracker, conn: u64, pid: u32) {
        t.apply(
            Input::Opened {
                conn: ConnId(conn),
                peer: Peer {
                    pid: Some(pid),
                    start_time: Some(7),
                },
            },
            at(0),
        );
    }

    fn hello(t: &mut SessionTracker, conn: u64, id: &str, host: Option<&str>) {
        let hello = Hello {
            protocol: 1,
            agent: Some("codewhale".into()),
            session_id: id.into(),
            pid: Some(4242),
            host: host.map(str::to_owned),
            ..Hello::default()
        };
        t.apply(
            Input::Message {
                conn: ConnId(conn),
                message: AgentMessage::Hello(Box::new(hello)),
            },
            at(1),
        );
    }

    fn register(t: &mut SessionTracker) {
        t.apply(
            Input::Forward {
                conn: ConnId(1),
                host: "devbox".into(),
                pid: 900,
                start_time: Some(7),
                control_path: Some("/run/user/1000/codewhale/remote-1.ctl".into()),
            },
            at(0),
        );
    }

    #[test]
    fn a_forwards_connections_come_from_its_host_and_their_pid_is_not_checked_here() {
        let mut t = SessionTracker::default();
        register(&mut t);
        open(&mut t, 2, 900);
        // The agent also claims a host: what Island knows wins.
        hello(&mut t, 2, "s-remote", Some("claimed"));
        open(&mut t, 3, 1234);
        hello(&mut t, 3, "s-local", None);
        let remote = t.session("s-remote").unwrap();
        assert_eq!(remote.remote.as_ref().unwrap().host, "devbox");
        assert_eq!(remote.remote.as_ref().unwrap().ssh_pid, Some(900));
        assert_eq!(remote.pid, None, "another machine's pid");
        assert_eq!(remote.label(), "s-remote on devbox");
        let local = t.session("s-local").unwrap();
        assert_eq!(local.remote, None);
        assert_eq!(local.pid, Some(4242));
        let snapshot = t.snapshot(island_protocol::Counters::default());
        let hosts: Vec<_> = snapshot.sessions.iter().map(|s| s.host.clone()).collect();
        assert_eq!(hosts, [None, Some("devbox".to_owned())]);
    }

    #[test]
    fn a_claimed_host_is_shown_and_the_pid_still_not_checked() {
        let mut t = SessionTracker::default();
        open(&mut t, 2, 900);
        hello(&mut t, 2, "s1", Some("devbox"));
        let s = t.session("s1").unwrap();
        assert_eq!(s.remote.as_ref().unwrap().host, "devbox");
        assert_eq!(s.remote.as_ref().unwrap().ssh_pid, None);
        assert_eq!(s.pid, None);
    }

    #[test]
    fn when_the_forward_goes_its_idle_sessions_show_disconnected() {
        let mut t = SessionTracker::default();
        register(&mut t);
        // An upstream one-line agent through the forward.
        open(&mut t, 2, 900);
        let line =
            br#"{"at":"2026-12-02T10:00:00Z","event":{"type":"response_start","response_id":"r"}}"#;
        t.apply(
            Input::Message {
                conn: ConnId(2),
                message: decode_agent_line(line).unwrap(),
            },
            at(1),
        );
        t.apply(Input::Closed { conn: ConnId(2) }, at(2));
        let s = t.sessions().next().unwrap().clone();
        assert_eq!(s.title, "agents on devbox");
        assert!(matches!(s.link, Link::OneLine { .. }));
        // island remote stops.
        t.apply(Input::Closed { conn: ConnId(1) }, at(3));
        let s = t.session(&s.id).unwrap();
        assert_eq!(s.state(), SessionState::Disconnected);
        assert_eq!(s.remote.as_ref().unwrap().ssh_pid, None);
        // A connection from that pid now is not from the forward.
        open(&mut t, 4, 900);
        hello(&mut t, 4, "s-after", None);
        assert_eq!(t.session("s-after").unwrap().remote, None);
    }

    #[test]
    fn two_remotes_projects_of_one_name_stay_apart_in_every_place_people_look() {
        let mut t = SessionTracker::default();
        let mut effects = Vec::new();
        for (conn, pid, host) in [(1, 900, "box-a"), (2, 901, "box-b")] {
            t.apply(
                Input::Forward {
                    conn: ConnId(conn),
                    host: host.into(),
                    pid,
                    start_time: Some(7),
                    control_path: None,
                },
                at(0),
            );
            let agent = conn + 10;
            open(&mut t, agent, pid);
            let hello = Hello {
                protocol: 1,
                session_id: format!("s-{host}"),
                title: Some("api".into()),
                accepts_decisions: true,
                ..Hello::default()
            };
            t.apply(
                Input::Message {
                    conn: ConnId(agent),
                    message: AgentMessage::Hello(Box::new(hello)),
                },
                at(1),
            );
            let line = br#"{"at":"2026-12-02T10:00:00Z","event":{"type":"generic_event_frame","frame":{"event":"exec_approval_request","request":{"call_id":"c1","approval_id":"ap-1","turn_id":"t1","command":"make deploy","cwd":"/srv/api","available_decisions":[{"type":"approved"},{"type":"denied"}]}}}}"#;
            effects.extend(t.apply(
                Input::Message {
                    conn: ConnId(agent),
                    message: decode_agent_line(line).unwrap(),
                },
                at(2),
            ));
        }
        // The notifications.
        let titles: Vec<String> = effects
            .iter()
            .filter_map(|e| match e {
                super::super::Effect::Notify(n) => Some(n.title.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            titles,
            ["api on box-a needs approval", "api on box-b needs approval"]
        );
        // The widget's cards and the tray menu.
        let board = crate::view::board(&t);
        let hosts: Vec<_> = board.sessions.iter().map(|c| c.host.clone()).collect();
        assert_eq!(hosts, [Some("box-a".to_owned()), Some("box-b".to_owned())]);
        let menu = crate::view::tray_menu(&board, at(3));
        let labels: Vec<String> = menu
            .iter()
            .filter_map(|m| match m {
                crate::view::MenuEntry::Item { label, .. } => Some(label.clone()),
                _ => None,
            })
            .filter(|l| l.starts_with("api"))
            .collect();
        assert!(labels[0].starts_with("api on box-a"), "{labels:?}");
        assert!(
            labels.iter().any(|l| l.starts_with("api on box-b")),
            "{labels:?}"
        );
        // The status text.
        let text =
            crate::client::describe(&t.snapshot(island_protocol::Counters::default()), at(3));
        assert!(
            text.contains("api on box-a") && text.contains("api on box-b"),
            "{text}"
        );
    }

    #[test]
    fn another_machine_never_takes_over_a_session_of_this_one() {
        let mut t = SessionTracker::default();
        register(&mut t);
        // A local agent's session.
        open(&mut t, 2, 1234);
        hello(&mut t, 2, "s-local", None);
        // The same id from the forward: refused, the local one untouched.
        open(&mut t, 3, 900);
        hello(&mut t, 3, "s-local", None);
        let s = t.session("s-local").unwrap();
        assert_eq!(s.remote, None);
        assert_eq!(s.pid, Some(4242));
        assert!(matches!(s.link, Link::Connected { conn, .. } if conn == ConnId(2)));
        // Through a forward nobody registered (an `ssh` the host found):
        // it names its machine, and cannot take the local session either.
        open(&mut t, 4, 777);
        t.apply(Input::ViaForward { conn: ConnId(4) }, at(1));
        hello(&mut t, 4, "s-local", None);
        assert_eq!(t.session("s-local").unwrap().remote, None);
        open(&mut t, 5, 777);
        t.apply(Input::ViaForward { conn: ConnId(5) }, at(1));
        hello(&mut t, 5, "s-other", None);
        assert_eq!(
            t.session("s-other").unwrap().remote.as_ref().unwrap().host,
            "another machine"
        );
        // This machine's agent may take back a session (trusted): the
        // label goes.
        open(&mut t, 6, 1234);
        hello(&mut t, 6, "s-other", None);
        assert_eq!(t.session("s-other").unwrap().remote, None);
    }
}
