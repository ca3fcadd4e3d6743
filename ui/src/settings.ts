// The settings view: shows the config file's values and saves the form back
// through Island, which edits the file in place (comments survive).
import * as ipc from "./ipc";
import type { Corner, SettingsForm } from "./types";

const form = document.getElementById("settings") as HTMLFormElement;
const result = document.getElementById("result") as HTMLElement;

function input(name: keyof SettingsForm): HTMLInputElement | HTMLSelectElement {
  return form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
}

function fill(values: SettingsForm): void {
  for (const [name, value] of Object.entries(values) as [keyof SettingsForm, unknown][]) {
    const field = input(name);
    if (field instanceof HTMLInputElement && field.type === "checkbox") {
      field.checked = Boolean(value);
    } else {
      field.value = String(value);
    }
  }
}

function read(): SettingsForm {
  const checked = (name: keyof SettingsForm) => (input(name) as HTMLInputElement).checked;
  const whole = (name: keyof SettingsForm) => Math.max(0, Math.floor(Number(input(name).value) || 0));
  return {
    socket_path: input("socket_path").value.trim(),
    notifications_enabled: checked("notifications_enabled"),
    turn_complete_min_secs: whole("turn_complete_min_secs"),
    burst_window_ms: whole("burst_window_ms"),
    approval_realert_secs: whole("approval_realert_secs"),
    do_not_disturb: checked("do_not_disturb"),
    quiet_hours: input("quiet_hours").value.trim(),
    approvals_in_dnd: input("approvals_in_dnd").value as SettingsForm["approvals_in_dnd"],
    when_focused: input("when_focused").value as SettingsForm["when_focused"],
    approvals_with_widget: input("approvals_with_widget").value as SettingsForm["approvals_with_widget"],
    sound_approval: input("sound_approval").value.trim(),
    sound_finished: input("sound_finished").value.trim(),
    sound_aborted: input("sound_aborted").value.trim(),
    widget_auto_hide: checked("widget_auto_hide"),
    widget_corner: input("widget_corner").value as Corner,
    start_at_login: checked("start_at_login"),
  };
}

function say(text: string, ok: boolean): void {
  result.textContent = text;
  result.className = ok ? "ok" : "error";
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  ipc
    .saveSettings(read())
    .then(() => say("Saved.", true))
    .catch((err) => say(ipc.errorText(err), false));
});

const save = form.querySelector("button[type='submit']") as HTMLButtonElement;

/** Reads the file again: on open, and whenever the window comes back (the
 * tray or a hand edit may have changed it). Save stays off until a read
 * succeeded, so that a failed read never writes blanks. */
function load(): void {
  ipc
    .loadSettings()
    .then((view) => {
      (document.getElementById("config-path") as HTMLElement).textContent = view.config_path;
      (document.getElementById("socket") as HTMLElement).textContent = view.socket;
      fill(view.form);
      save.disabled = false;
    })
    .catch((err) => {
      save.disabled = true;
      say(ipc.errorText(err), false);
    });
}

save.disabled = true;
window.addEventListener("focus", load);
load();
