// The floating widget: renders the board Island pushes, and sends the
// user's clicks back as typed commands. What is expanded is the only state
// kept here; sessions and approvals are always the last board received.
import * as ipc from "./ipc";
import { clock, el } from "./dom";
import type { ApprovalCard, Board, Decision, RecentCard, SessionCard, SessionState } from "./types";

const STATE_TEXT: Record<SessionState, string> = {
  idle: "idle",
  working: "working",
  needs_approval: "needs you",
  done: "done",
  aborted: "aborted",
  disconnected: "disconnected",
};

const root = document.getElementById("widget") as HTMLElement;
const pill = document.getElementById("pill") as HTMLButtonElement;
const summary = document.getElementById("summary") as HTMLElement;
const dot = document.getElementById("dot") as HTMLElement;
const cards = document.getElementById("cards") as HTMLElement;
const status = document.getElementById("status") as HTMLElement;

let current: Board | null = null;
/** Expanded by a click (stays open) or by hovering (closes on leave). */
let pinned = false;
let hovered = false;
let timer: number | undefined;
let lastSize = "";

function expanded(): boolean {
  const waiting = (current?.tray.needs_you ?? 0) > 0;
  return pinned || hovered || waiting;
}

function render(board: Board): void {
  current = board;
  root.dataset.state = board.tray.state;
  dot.className = `dot ${board.tray.state}`;
  summary.textContent = board.holding ? `${board.summary} · notices held` : board.summary;
  summary.title = board.holding ? `Notices are held: ${board.holding}` : "";
  pill.setAttribute("aria-label", `Island: ${board.summary}`);
  cards.replaceChildren(...board.sessions.map(sessionCard));
  if (board.sessions.length === 0) {
    cards.append(el("p", { class: "empty" }, "No agent sessions. Start an agent and it shows up here."));
  }
  if ((board.recent ?? []).length > 0) {
    cards.append(
      el("details", { class: "recent" }, el("summary", {}, "Recent approvals"), ...board.recent.map(recentLine)),
    );
  }
  layout();
}

function recentLine(r: RecentCard): HTMLElement {
  const when = new Date(r.closed_ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return el(
    "div",
    { class: `recent-line ${r.decision}`, title: `${r.project} · answered by ${r.answered_by} at ${when}` },
    el("span", { class: "decision" }, r.decision.replace(/_/g, " ")),
    el("span", { class: "what" }, r.command ?? r.project),
    el("span", { class: "by" }, r.answered_by),
  );
}

function layout(): void {
  const open = expanded();
  root.classList.toggle("expanded", open);
  pill.setAttribute("aria-expanded", String(open));
  cards.hidden = !open;
  tick();
  const anyRunning = open && (current?.sessions.some((s) => s.turn_started_ms !== null) ?? false);
  // The timers run only while they are visible and a turn is running.
  if (anyRunning && timer === undefined) {
    timer = window.setInterval(tick, 1000);
  } else if (!anyRunning && timer !== undefined) {
    window.clearInterval(timer);
    timer = undefined;
  }
  requestAnimationFrame(fitWindow);
}

/** The window is the widget plus its margin, which holds the shadow. */
function fitWindow(): void {
  const box = root.getBoundingClientRect();
  const margin = parseFloat(getComputedStyle(root).marginTop) || 0;
  const width = Math.ceil(box.width + 2 * margin);
  const height = Math.ceil(box.height + 2 * margin);
  const size = `${width}x${height}`;
  if (size !== lastSize) {
    lastSize = size;
    ipc.resizeWidget(width, height).catch(showError);
  }
}

function tick(): void {
  const now = Date.now();
  for (const node of cards.querySelectorAll<HTMLElement>("[data-since]")) {
    node.textContent = clock(now - Number(node.dataset.since));
  }
}

function sessionCard(s: SessionCard): HTMLElement {
  const title = el(
    "button",
    { class: "session-title", title: `Bring up ${s.title}'s terminal` },
    el("span", { class: `dot ${s.state}` }),
    el("span", { class: "project" }, s.title),
    s.host ? el("span", { class: "host", title: `on ${s.host}` }, s.host) : null,
    el("span", { class: "state" }, STATE_TEXT[s.state]),
  );
  title.addEventListener("click", () => ipc.focus(s.id).catch(showError));
  const detail = el("div", { class: "detail" });
  if (s.tool) detail.append(el("span", { class: "tool" }, s.tool));
  for (const job of s.jobs) detail.append(el("span", { class: "job" }, job));
  if (s.model) {
    const mode = s.mode ? ` · ${s.mode}` : "";
    detail.append(el("span", { class: "model", title: "model · permission mode" }, s.model + mode));
  }
  if (s.turn_started_ms !== null) {
    detail.append(el("span", { class: "elapsed", "data-since": String(s.turn_started_ms) }));
  }
  const card = el(
    "article",
    { class: `card ${s.state}`, "data-session": s.id },
    title,
    detail.childElementCount > 0 ? detail : null,
  );
  for (const approval of s.approvals) card.append(approvalCard(approval, s.id));
  return card;
}

function approvalCard(a: ApprovalCard, sessionId: string): HTMLElement {
  const buttons = el("div", { class: "buttons" });
  if (!a.answerable) {
    // This agent takes answers only in its terminal: offer to go there.
    const go = el("button", { class: "terminal" }, "Answer in the terminal");
    go.addEventListener("click", () => ipc.focus(sessionId).catch(showError));
    buttons.append(go);
    return approvalSection(a, buttons);
  }
  const button = (label: string, cls: string, decision: Decision) => {
    const b = el("button", { class: cls, "data-decision": decision, title: label }, label);
    b.addEventListener("click", () => {
      for (const other of buttons.querySelectorAll("button")) other.disabled = true;
      ipc.decide(sessionId, a.id, decision).catch((e) => {
        for (const other of buttons.querySelectorAll("button")) other.disabled = false;
        showError(e);
      });
    });
    buttons.append(b);
  };
  if (a.choices.length > 0) {
    // A question: its options, each an answer.
    for (const c of a.choices) button(c.label, "choice", c.answer);
  } else {
    button("Approve", "approve", "approve");
    if (a.for_session) button("For session", "for-session", "approve_for_session");
  }
  button("Deny", "deny", "deny");
  return approvalSection(a, buttons);
}

function approvalSection(a: ApprovalCard, buttons: HTMLElement): HTMLElement {
  return el(
    "section",
    { class: "approval", "data-approval": a.id, "aria-label": "Approval" },
    el("code", { class: "command" }, a.command ?? "(command not yet known)"),
    a.cwd ? el("div", { class: "cwd" }, a.cwd) : null,
    a.reason ? el("div", { class: "reason" }, a.reason) : null,
    buttons,
  );
}

function showError(e: unknown): void {
  status.textContent = ipc.errorText(e);
  status.hidden = false;
  window.setTimeout(() => (status.hidden = true), 5000);
}

pill.addEventListener("click", () => {
  pinned = !pinned;
  layout();
});
let hoverTimer: number | undefined;
root.addEventListener("mouseenter", () => {
  window.clearTimeout(hoverTimer);
  hoverTimer = window.setTimeout(() => {
    hovered = true;
    layout();
  }, 150);
});
root.addEventListener("mouseleave", () => {
  window.clearTimeout(hoverTimer);
  hoverTimer = window.setTimeout(() => {
    hovered = false;
    layout();
  }, 600);
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") {
    // A hover that began just before must not open it again.
    window.clearTimeout(hoverTimer);
    pinned = false;
    hovered = false;
    layout();
    pill.focus();
  }
});
// A layer-shell widget (Wayland) cannot be moved by the window system:
// the grip's own drag (held, moved, let go) asks Island to snap it to the
// nearest corner or edge. Under X11 the window manager moves the window
// and Island ignores the request.
const grip = document.querySelector<HTMLElement>(".grip");
grip?.addEventListener("pointerdown", (down) => {
  grip.setPointerCapture(down.pointerId);
  const done = (): void => {
    grip.removeEventListener("pointerup", up);
    grip.removeEventListener("pointercancel", done);
  };
  const up = (e: PointerEvent): void => {
    done();
    const dx = e.clientX - down.clientX;
    const dy = e.clientY - down.clientY;
    if (Math.abs(dx) + Math.abs(dy) > 8) ipc.snapWidget(dx, dy).catch(showError);
  };
  grip.addEventListener("pointerup", up);
  // The window manager took the pointer (an X11 drag): no snap.
  grip.addEventListener("pointercancel", done);
});
(document.getElementById("close") as HTMLButtonElement).addEventListener("click", () =>
  ipc.hideWidget().catch(showError),
);

ipc.onBoard(render).catch(showError);
ipc.board().then(render).catch(showError);
