//! The tray icon (StatusNotifierItem on Linux, the menu bar on macOS): its
//! image and tooltip follow the aggregate state, its menu lists sessions
//! and approvals. Menu clicks become [`MenuCommand`]s.

use island_core::tracker::TraySummary;
use island_core::view::{Board, MenuCommand, MenuEntry};
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};

use super::state::TrayApp;
use crate::native;

const TRAY_ID: &str = "island";

/// Creates the tray icon.
pub fn create(app: &AppHandle, board: &Board) -> tauri::Result<()> {
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(&board.tray)?)
        .icon_as_template(native::TEMPLATE_ICONS)
        .tooltip(&board.summary)
        .title(title(&board.tray))
        .menu(&menu(app, app.state::<TrayApp>().tray_menu(board))?)
        .show_menu_on_left_click(true)
        .on_menu_event(on_menu_event)
        .build(app)?;
    Ok(())
}

/// Shows what changed: the icon and title, the tooltip, the menu.
pub fn update(
    app: &AppHandle,
    summary: Option<TraySummary>,
    tooltip: Option<&str>,
    entries: Option<Vec<MenuEntry>>,
) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let mut result = Ok(());
    if let Some(summary) = summary {
        result = result
            .and_then(|()| tray.set_icon(Some(icon(&summary)?)))
            .and_then(|()| tray.set_icon_as_template(native::TEMPLATE_ICONS))
            .and_then(|()| tray.set_title(Some(title(&summary))));
    }
    if let Some(tooltip) = tooltip {
        result = result.and_then(|()| tray.set_tooltip(Some(tooltip)));
    }
    if let Some(entries) = entries {
        result = result
            .and_then(|()| menu(app, entries))
            .and_then(|menu| tray.set_menu(Some(menu)));
    }
    if let Err(e) = result {
        tracing::warn!("cannot update the tray: {e}");
    }
}

fn icon(summary: &TraySummary) -> tauri::Result<Image<'static>> {
    Image::from_bytes(native::tray_icon(summary.state))
}

/// The text beside the icon (macOS menu bar; the Ayatana label on Linux):
/// short, and empty when nothing runs.
fn title(summary: &TraySummary) -> String {
    if summary.needs_you > 0 {
        format!("{} waiting", summary.needs_you)
    } else if summary.working > 0 {
        format!("{} working", summary.working)
    } else {
        String::new()
    }
}

fn menu(app: &AppHandle, entries: Vec<MenuEntry>) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    for entry in entries {
        let item: Box<dyn IsMenuItem<Wry>> = match entry {
            MenuEntry::Item { command, label } => Box::new(MenuItem::with_id(
                app,
                command.id(),
                label,
                true,
                None::<&str>,
            )?),
            MenuEntry::Note(text) => Box::new(MenuItem::new(app, text, false, None::<&str>)?),
            MenuEntry::Check {
                command,
                label,
                checked,
            } => Box::new(CheckMenuItem::with_id(
                app,
                command.id(),
                label,
                true,
                checked,
                None::<&str>,
            )?),
            MenuEntry::Separator => Box::new(PredefinedMenuItem::separator(app)?),
        };
        menu.append(item.as_ref())?;
    }
    Ok(menu)
}

fn on_menu_event(app: &AppHandle, event: MenuEvent) {
    let dnd = app.state::<TrayApp>().board().do_not_disturb;
    match MenuCommand::parse(event.id().as_ref(), dnd) {
        Some(command) => super::menu::run_menu_command(app, command),
        None => tracing::debug!("a menu click with an unknown id: {:?}", event.id()),
    }
}
