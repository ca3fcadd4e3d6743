// The typed commands the UI may send, and the one event it listens to.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Board, Decision, SettingsForm, SettingsView, UiError } from "./types";

export const board = (): Promise<Board> => invoke<Board>("board");

// Approval ids are unique only within their session: an answer names both.
export const decide = (sessionId: string, approvalId: string, decision: Decision): Promise<void> =>
  invoke("decide", { sessionId, approvalId, decision });

export const focus = (sessionId: string): Promise<void> => invoke("focus", { sessionId });

export const resizeWidget = (width: number, height: number): Promise<void> =>
  invoke("resize_widget", { width, height });

// A drag of the grip let go (dx, dy) from where it started: a layer-shell
// widget snaps to the nearest corner or edge; elsewhere nothing happens.
export const snapWidget = (dx: number, dy: number): Promise<void> => invoke("snap_widget", { dx, dy });

export const hideWidget = (): Promise<void> => invoke("hide_widget");

export const loadSettings = (): Promise<SettingsView> => invoke<SettingsView>("load_settings");

export const saveSettings = (form: SettingsForm): Promise<void> => invoke("save_settings", { form });

export const onBoard = (render: (b: Board) => void): Promise<UnlistenFn> =>
  listen<Board>("board", (event) => render(event.payload));

/** The message of a failed command. */
export function errorText(e: unknown): string {
  if (typeof e === "object" && e !== null && "message" in e) {
    return String((e as UiError).message);
  }
  return String(e);
}
