//! What each notification says. Pure text: the adapter shows it.
use super::model::{Approval, Notice, NoticeKey, Session};

/// The project name for a directory: its last component.
pub fn project_name(cwd: &str) -> Option<String> {
    std::path::Path::new(cwd)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
}

/// Cuts `text` to `max` characters with an ellipsis.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    crate::display::safe_cut(text.trim(), max)
}

/// "42 s", "3 min 5 s", "2 min", "1 h 2 min", "1 h".
pub(crate) fn duration(ms: i64) -> String {
    let secs = (ms.max(0) + 500) / 1000;
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 && s % 60 == 0 => format!("{} min", s / 60),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s if (s % 3600) / 60 == 0 => format!("{} h", s / 3600),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

pub(crate) fn approval(session: &Session, approval: &Approval, reminder: bool) -> Notice {
    let question = approval.decisions.iter().any(|d| d.option().is_some());
    let title = match (reminder, question) {
        (true, false) => format!("{} is still waiting for approval", session.label()),
        (false, false) => format!("{} needs approval", session.label()),
        (true, true) => format!("{} is still waiting for your answer", session.label()),
        (false, true) => format!("{} asks you to choose", session.label()),
    };
    let mut body = match &approval.command {
        Some(command) => shorten(command, 200),
        None => "A command needs your approval.".to_owned(),
    };
    if let Some(reason) = approval.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        body.push('\n');
        body.push_str(&shorten(reason, 200));
    }
    let mut actions = Vec::new();
    if session.answer_conn(approval).is_some() {
        // Offer what the agent accepts; before the frame says, the two
        // answers every agent takes.
        for answer in crate::actions::Answer::offered(&approval.decisions) {
            actions.push((answer.id(), crate::display::safe_cut(&answer.label(), 40)));
        }
    }
    Notice {
        key: NoticeKey::Approval(super::ApprovalRef::new(&session.id, &approval.id)),
        title,
        body,
        critical: true,
        actions,
        session_id: Some(session.id.clone()),
        sound: super::Sound::Approval,
    }
}

pub(crate) fn finished(session_id: &str, title: &str, duration_ms: Option<i64>) -> Notice {
    Notice {
        key: NoticeKey::Turn(session_id.to_owned()),
        title: format!("{title} finished"),
        body: match duration_ms {
            Some(ms) => format!("The turn took {}.", duration(ms)),
            None => "The turn is done.".to_owned(),
        },
        critical: false,
        actions: Vec::new(),
        session_id: Some(session_id.to_owned()),
        sound: super::Sound::Finished,
    }
}

pub(crate) fn summary<'a>(turns: impl Iterator<Item = (&'a str, Option<i64>)>) -> Notice {
    let turns: Vec<_> = turns.collect();
    let body = turns
        .iter()
        .map(|(title, ms)| match ms {
            Some(ms) => format!("{title} ({})", duration(*ms)),
            None => (*title).to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Notice {
        key: NoticeKey::Summary,
        title: format!("{} agents finished", turns.len()),
        body,
        critical: false,
        actions: Vec::new(),
        session_id: None,
        sound: super::Sound::Finished,
    }
}

pub(crate) fn aborted(session_id: &str, title: &str, reason: Option<&str>) -> Notice {
    Notice {
        key: NoticeKey::Turn(session_id.to_owned()),
        title: format!("{title}: turn aborted"),
        body: reason
            .filter(|r| !r.trim().is_empty())
            .map_or_else(|| "The turn ended early.".to_owned(), |r| shorten(r, 200)),
        critical: false,
        actions: Vec::new(),
        session_id: Some(session_id.to_owned()),
        sound: super::Sound::Aborted,
    }
}

pub(crate) fn error(session_id: &str, title: &str, message: &str) -> Notice {
    Notice {
        key: NoticeKey::Turn(session_id.to_owned()),
        title: format!("{title}: error"),
        body: shorten(message, 200),
        critical: false,
        actions: Vec::new(),
        session_id: Some(session_id.to_owned()),
        sound: super::Sound::Aborted,
    }
}

pub(crate) fn input_wanted(session_id: &str, title: &str, idle: bool) -> Notice {
    let body = if idle {
        "It waits for your next message."
    } else {
        "The agent asked a question in its terminal."
    };
    Notice {
        key: NoticeKey::Turn(session_id.to_owned()),
        title: format!("{title} is waiting for your input"),
        body: body.to_owned(),
        critical: false,
        actions: Vec::new(),
        session_id: Some(session_id.to_owned()),
        sound: super::Sound::Finished,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(duration(9_400), "9 s");
        assert_eq!(duration(185_000), "3 min 5 s");
        assert_eq!(duration(3_720_000), "1 h 2 min");
        assert_eq!(duration(120_000), "2 min");
        assert_eq!(duration(3_600_000), "1 h");
    }

    #[test]
    fn long_text_is_cut_saying_so_and_made_visible() {
        assert_eq!(shorten("abcdef", 4), "abcd… [2 more characters not shown]");
        assert_eq!(shorten("  abc ", 4), "abc");
        assert_eq!(shorten("ok\r\x1b[2Kls", 20), "ok␍␛[2Kls");
    }
}
