//! The tray menu's entries carried out: each is a thin call into the core
//! (or, for do not disturb, the settings file too).

use island_core::notify::UserAction;
use island_core::view::MenuCommand;
use island_protocol::DecisionSource;
use tauri::{AppHandle, Manager};

use super::state::TrayApp;

/// Carries out a tray menu entry.
pub fn run_menu_command(app: &AppHandle, command: MenuCommand) {
    let tray_app = app.state::<TrayApp>();
    let sent = match command {
        MenuCommand::Focus(session_id) => tray_app.act(UserAction::Focus { session_id }),
        MenuCommand::Decide(approval, decision) => tray_app.act(UserAction::Decide {
            approval,
            decision,
            source: DecisionSource::Tray,
        }),
        MenuCommand::DoNotDisturb(on) => super::settings_file::set_do_not_disturb(app, on),
        MenuCommand::ShowWidget => {
            super::widget::show_requested(app);
            Ok(())
        }
        MenuCommand::Settings => {
            tray_app.window_process.settings(app);
            Ok(())
        }
        MenuCommand::Quit => {
            app.exit(0);
            Ok(())
        }
    };
    if let Err(e) = sent {
        tracing::warn!("{e}");
    }
}
