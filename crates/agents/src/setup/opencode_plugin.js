// Island's plugin for opencode, written by `island setup opencode`
// (`island setup opencode --undo` takes it out again).
//
// It hands opencode's session, tool and permission events to
// `island hook opencode`, one process an event, and answers a permission
// with what the user chose in Island. Island decides nothing itself: with
// Island absent, slow or in error, nothing is answered and opencode asks in
// its own window as usual. Messages are never handed over.
const ISLAND = "@ISLAND@";

const FORWARDED = new Set([
  "session.created",
  "session.status",
  "session.error",
  "session.deleted",
  "permission.asked",
  "permission.replied",
]);
const REPLIES = new Set(["once", "always", "reject"]);

export const Island = async ({ client, directory }) => {
  // Subagents run in child sessions: they are their parent's work.
  const children = new Set();
  // The last status handed over for each tool call.
  const toolStatus = new Map();
  // Hooks waiting for Island's answer, by permission id.
  const waiting = new Map();

  const hook = (event, wait) => {
    const child = Bun.spawn([ISLAND, "hook", "opencode"], {
      stdin: "pipe",
      stdout: wait ? "pipe" : "ignore",
      stderr: "ignore",
    });
    child.stdin.write(JSON.stringify({ directory, event }));
    child.stdin.end();
    return child;
  };

  const forwarded = (event) => {
    const props = event.properties ?? {};
    if (event.type === "message.part.updated") {
      const part = props.part ?? {};
      const status = part.state?.status;
      if (part.type !== "tool" || !["running", "completed", "error"].includes(status)) return false;
      if (toolStatus.get(part.callID) === status) return false;
      toolStatus.set(part.callID, status);
      if (status !== "running") toolStatus.delete(part.callID);
      return true;
    }
    return FORWARDED.has(event.type);
  };

  return {
    event: async ({ event }) => {
      try {
        const props = event.properties ?? {};
        if (props.info?.parentID) children.add(props.info.id);
        if (children.has(props.sessionID ?? props.info?.id) || !forwarded(event)) return;
        if (event.type === "permission.replied") {
          // Answered in opencode's window: the waiting hook goes.
          waiting.get(props.requestID)?.kill();
          waiting.delete(props.requestID);
        }
        if (event.type !== "permission.asked") {
          hook(event, false);
          return;
        }
        const child = hook(event, true);
        waiting.set(props.id, child);
        const answer = (await new Response(child.stdout).text()).trim();
        await child.exited;
        if (!waiting.delete(props.id) || !REPLIES.has(answer)) return;
        await client.postSessionIdPermissionsPermissionId({
          path: { id: props.sessionID, permissionID: props.id },
          body: { response: answer },
        });
      } catch {
        // Island never stands in opencode's way.
      }
    },
  };
};
