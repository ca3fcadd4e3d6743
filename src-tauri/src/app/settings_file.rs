//! Island's settings file, as the settings window and the tray's do not
//! disturb read and write it: thin calls into `island_desktop::settings`,
//! then the new settings put in force.

use island_core::notify::UserAction;
use island_desktop::settings::{self, SettingsForm};
use island_desktop::window_link::{SettingsView, WindowError};
use tauri::{AppHandle, Manager};

use super::state::TrayApp;

/// The settings for the settings view, read from the file (it may have
/// been edited by hand).
pub async fn load_settings(app: &AppHandle) -> Result<SettingsView, WindowError> {
    let tray_app = app.state::<TrayApp>();
    let path = tray_app.config_path.clone();
    let config = tauri::async_runtime::spawn_blocking(move || {
        island_core::config::IslandConfig::load_or_create(&path)
    })
    .await
    .map_err(WindowError::settings)?
    .map_err(WindowError::settings)?;
    Ok(SettingsView {
        form: SettingsForm::from_config(&config),
        config_path: tray_app.config_path.display().to_string(),
        socket: tray_app.socket.display().to_string(),
    })
}

/// The settings view's Save: writes the form into the config file and
/// applies it.
pub async fn save_settings(app: &AppHandle, form: SettingsForm) -> Result<(), WindowError> {
    let path = app.state::<TrayApp>().config_path.clone();
    let file = std::sync::Arc::clone(&app.state::<TrayApp>().config_file);
    let config = tauri::async_runtime::spawn_blocking(move || {
        let _writing = crate::sync::lock(&file);
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
    let tray_app = app.state::<TrayApp>();
    let policy = config.policy();
    let notice_settings = UserAction::NoticeSettings {
        sounds: config.sounds(),
        hold_focused_approvals: config.notifications.when_focused
            == island_core::config::WhenFocused::Hold,
        approvals_with_widget: config.notifications.approvals_with_widget,
    };
    let corner_changed = tray_app.config().widget.corner != config.widget.corner;
    *tray_app.config() = config;
    tray_app.act(UserAction::SetPolicy(policy))?;
    tray_app.act(notice_settings)?;
    // The login item is a file (or a LaunchAgent): not on the async runtime.
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || super::state::reconcile_autostart(&handle));
    let handle = app.clone();
    app.run_on_main_thread(move || super::widget::settings_changed(&handle, corner_changed))
        .map_err(WindowError::window)
}

/// Do not disturb from the tray: in force at once, and written to the
/// config file so that it lasts (a broken file is left alone, and said).
pub fn set_do_not_disturb(app: &AppHandle, on: bool) -> Result<(), WindowError> {
    let tray_app = app.state::<TrayApp>();
    tray_app.act(UserAction::SetDoNotDisturb(on))?;
    tray_app.config().notifications.do_not_disturb = on;
    let path = tray_app.config_path.clone();
    let file = std::sync::Arc::clone(&tray_app.config_file);
    tauri::async_runtime::spawn_blocking(move || {
        let _writing = crate::sync::lock(&file);
        if let Err(e) = settings::save(&path, |text| {
            settings::apply_do_not_disturb(text, on, &path)
        }) {
            tracing::warn!("do not disturb is {on} until Island restarts: {e}");
        }
    });
    Ok(())
}
