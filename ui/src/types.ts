// The data Island pushes and takes. These mirror `island_core::view` and
// `island_core::settings` (serde's JSON shapes); the UI holds no other state
// than what it is shown.

export type SessionState =
  | "idle"
  | "working"
  | "needs_approval"
  | "done"
  | "aborted"
  | "disconnected";

export type TrayState = "idle" | "working" | "needs_you" | "error";

export interface ApprovalCard {
  id: string;
  command: string | null;
  cwd: string | null;
  reason: string | null;
  for_session: boolean;
  /** A question's options, where the agent asks the user to choose. */
  choices: Choice[];
  answerable: boolean;
  requested_ms: number;
}

export interface SessionCard {
  id: string;
  title: string;
  /** The machine it runs on, when it is not this one (island remote). */
  host?: string;
  agent: string | null;
  cwd: string | null;
  state: SessionState;
  tool: string | null;
  /** Work beside the turn: subagents, a compaction. */
  jobs: string[];
  model: string | null;
  /** The agent's permission mode, where it says one. */
  mode: string | null;
  turn_started_ms: number | null;
  last_activity_ms: number;
  approvals: ApprovalCard[];
}

export interface Board {
  tray: {
    state: TrayState;
    sessions: number;
    working: number;
    needs_you: number;
    aborted: number;
  };
  summary: string;
  do_not_disturb: boolean;
  sessions: SessionCard[];
  /** The last approvals that closed, newest first. */
  recent: RecentCard[];
  /** Why notices are held now (do not disturb, quiet hours), if they are. */
  holding?: string | null;
}

export interface RecentCard {
  session_id: string;
  project: string;
  command: string | null;
  decision: string;
  answered_by: string;
  closed_ms: number;
}

export interface Choice {
  label: string;
  answer: Decision;
}

// Island's answers: the same ids as the notification buttons and tray items
// (a question's option is "choose:" and its label).
export type Decision = "approve" | "approve_for_session" | "deny" | `choose:${string}`;

export type Corner = "auto" | "top-right" | "top-left" | "bottom-right" | "bottom-left";

export interface SettingsForm {
  socket_path: string;
  notifications_enabled: boolean;
  turn_complete_min_secs: number;
  burst_window_ms: number;
  approval_realert_secs: number;
  do_not_disturb: boolean;
  quiet_hours: string;
  approvals_in_dnd: "show" | "hold";
  when_focused: "show" | "hold";
  approvals_with_widget: "notify" | "silent" | "none";
  sound_approval: string;
  sound_finished: string;
  sound_aborted: string;
  widget_auto_hide: boolean;
  widget_corner: Corner;
  start_at_login: boolean;
}

export interface SettingsView {
  form: SettingsForm;
  config_path: string;
  socket: string;
}

/** An error from a command, as Island serialises it. */
export interface UiError {
  kind: string;
  message: string;
}
