//! The tray menu's commands, and the settings the window process asks
//! for. Each is a thin call into the core or the config file; none holds
//! logic of its own.

use island_core::notify::UserAction;
use island_core::settings::{self, SettingsForm};
use island_core::view::MenuCommand;
use island_core::window_link::{SettingsView, WindowError};
use island_protocol::DecisionSource;
use tauri::{AppHandle, Manager};

use super::state::Shared;

/// The settings for the settings view, read from the file (it may have
/// been edited by hand).
pub async fn load_settings(app: &AppHandle) -> Result<SettingsView, WindowError> {
    let shared = app.state::<Shared>();
    let path = shared.config_path.clone();
    let config = tauri::async_runtime::spawn_blocking(move || {
        island_core::config::IslandConfig::load_or_create(&path)
    })
    .await
    .map_err(WindowError::settings)?
    .map_err(WindowError::settings)?;
    Ok(SettingsView {
        form: SettingsForm::from_config(&config),
        config_path: shared.config_path.display().to_string(),
        socket: shared.socket.display().to_string(),
    })
}

/// The settings view's Save: writes the form into the config file and
/// applies it.
pub async fn save_settings(app: &AppHandle, form: SettingsForm) -> Result<(), WindowError> {
    let path = app.state::<Shared>().config_path.clone();
    let file = std::sync::Arc::clone(&app.state::<Shared>().config_file);
    let config = tauri::async_runtime::spawn_blocking(move || {
        let _writing = super::state::lock(&file);
        settings::save(&path, |text| settings::apply(text, &form, &path))
    })
    .await
    .map_err(WindowError::settings)?
    .map_err(WindowError::settings)?;
    apply_config(app, config)
}

/// Puts new settings in force: the reducer's policy, the login item, the
/// widget.
fn apply_config(
    app: &AppHandle,
    config: island_core::config::IslandConfig,
) -> Result<(), WindowError> {
    let shared = app.state::<Shared>();
    let policy = config.policy();
    let notice_settings = UserAction::NoticeSettings {
        sounds: config.sounds(),
        hold_focused_approvals: config.notifications.when_focused
            == island_core::config::WhenFocused::Hold,
        approvals_with_widget: config.notifications.approvals_with_widget,
    };
    let corner_changed = shared.config().widget.corner != config.widget.corner;
    *shared.config() = config;
    shared.act(UserAction::SetPolicy(policy))?;
    shared.act(notice_settings)?;
    // The login item is a file (or a LaunchAgent): not on the async runtime.
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || super::state::reconcile_autostart(&handle));
    let handle = app.clone();
    app.run_on_main_thread(move || super::widget::settings_changed(&handle, corner_changed))
        .map_err(WindowError::window)
}

/// Carries out a tray menu entry.
pub fn run_menu_command(app: &AppHandle, command: MenuCommand) {
    let shared = app.state::<Shared>();
    let sent = match command {
        MenuCommand::Focus(session_id) => shared.act(UserAction::Focus { session_id }),
        MenuCommand::Decide(approval, decision) => shared.act(UserAction::Decide {
            approval,
            decision,
            source: DecisionSource::Tray,
        }),
        MenuCommand::DoNotDisturb(on) => set_do_not_disturb(app, on),
        MenuCommand::ShowWidget => {
            super::widget::show_requested(app);
            Ok(())
        }
        MenuCommand::Settings => {
            shared.windows.settings(app);
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

/// Do not disturb from the tray: in force at once, and written to the
/// config file so that it lasts (a broken file is left alone, and said).
fn set_do_not_disturb(app: &AppHandle, on: bool) -> Result<(), WindowError> {
    let shared = app.state::<Shared>();
    shared.act(UserAction::SetDoNotDisturb(on))?;
    shared.config().notifications.do_not_disturb = on;
    let path = shared.config_path.clone();
    let file = std::sync::Arc::clone(&shared.config_file);
    tauri::async_runtime::spawn_blocking(move || {
        let _writing = super::state::lock(&file);
        if let Err(e) = settings::save(&path, |text| {
            settings::apply_do_not_disturb(text, on, &path)
        }) {
            tracing::warn!("do not disturb is {on} until Island restarts: {e}");
        }
    });
    Ok(())
}
