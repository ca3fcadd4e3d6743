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

// What the bridge reads of an event, and no more (no tool input or output,
// no diffs, no message text).
const slim = (event) => {
  const props = event.properties ?? {};
  const part = props.part ?? {};
  const info = props.info ?? {};
  return {
    type: event.type,
    properties: {
      sessionID: props.sessionID ?? part.sessionID ?? info.id,
      info: { id: info.id, parentID: info.parentID, directory: info.directory },
      status: props.status,
      error: props.error,
      part: { type: part.type, tool: part.tool, callID: part.callID, state: { status: part.state?.status } },
      id: props.id,
      permission: props.permission,
      patterns: props.patterns,
      metadata: { command: props.metadata?.command },
      tool: props.tool,
      requestID: props.requestID,
      reply: props.reply,
    },
  };
};

export const Island = async ({ client, directory }) => {
  // Subagents run in child sessions: they are their parent's work.
  const children = new Set();
  // Tool calls running now, and the last ones that finished (a finished
  // part may be updated again).
  const running = new Set();
  const finished = new Set();
  // Hooks waiting for Island's answer, by permission id.
  const waiting = new Map();

  const hook = async (event, wait) => {
    const child = Bun.spawn([ISLAND, "hook", "opencode"], {
      stdin: "pipe",
      stdout: wait ? "pipe" : "ignore",
      stderr: "ignore",
    });
    child.stdin.write(JSON.stringify({ directory, event: slim(event) }));
    await child.stdin.end();
    return child;
  };

  const forwarded = (event) => {
    const part = event.properties?.part ?? {};
    if (event.type !== "message.part.updated") return FORWARDED.has(event.type);
    const status = part.state?.status;
    if (part.type !== "tool" || !part.callID) return false;
    if (status === "running" && !running.has(part.callID) && !finished.has(part.callID)) {
      running.add(part.callID);
      return true;
    }
    if ((status === "completed" || status === "error") && !finished.has(part.callID)) {
      running.delete(part.callID);
      finished.add(part.callID);
      if (finished.size > 256) finished.delete(finished.values().next().value);
      return true;
    }
    return false;
  };

  return {
    dispose: async () => {
      for (const child of waiting.values()) child.kill();
      waiting.clear();
    },
    event: async ({ event }) => {
      try {
        const props = event.properties ?? {};
        const sessionID = props.sessionID ?? props.part?.sessionID ?? props.info?.id;
        if (
          (event.type === "session.created" || event.type === "session.updated") &&
          props.info?.parentID
        ) {
          children.add(props.info.id);
        }
        if (children.has(sessionID) || !forwarded(event)) return;
        if (event.type === "session.deleted") children.delete(sessionID);
        if (event.type === "permission.replied") {
          // Answered in opencode's window: the waiting hook goes.
          waiting.get(props.requestID)?.kill();
          waiting.delete(props.requestID);
        }
        if (event.type !== "permission.asked") {
          await hook(event, false);
          return;
        }
        const child = await hook(event, true);
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
