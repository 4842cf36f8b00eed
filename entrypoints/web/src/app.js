// The chat page: join or create a room, then a live room over Socket.IO. This module wires
// the page's controls to the parts that do the work (room.js, conversation.js, presence.js,
// account.js). Every piece of user content is put in the page as text, never as HTML.

import { call } from "/static/api.js";
import { openDashboard, closeDashboard } from "/static/dashboard.js";
import { ChangeStream, Outbox } from "/static/delivery.js";
import { scheduleRenewal, signIn, signedIn, signedOut } from "/static/account.js";
import {
  applyChange,
  loadOlder,
  refusedMessage,
  scrolledList,
  sentMessage,
  showPending,
  toNewest,
} from "/static/conversation.js";
import { onKeyInput, stopTyping } from "/static/presence.js";
import { enter, hideAdminCredential, leave, offerAdminCredential, openRoom } from "/static/room.js";
import { resumeSession, startSession } from "/static/resume.js";
import { startAttention } from "/static/attention.js";
import { startTheme } from "/static/theme.js";
import { $, adminCredential, showError, state } from "/static/state.js";

// A room's address: /#/r/<room_id> opens the join form with the room filled in. The
// password is never part of it.
function inviteLink(roomId) {
  return `${location.origin}/#/r/${encodeURIComponent(roomId)}`;
}

function openAddress() {
  const match = /^#\/r\/([^/?#]+)$/.exec(location.hash);
  if (!match) return;
  let roomId = "";
  try {
    roomId = decodeURIComponent(match[1]);
  } catch {
    return; // not an address of ours
  }
  if ($("room").hidden && $("dashboard").hidden) {
    $("room-id").value = roomId;
    $("room-password").focus();
  }
}

async function copyInvite() {
  const link = inviteLink(state.roomId);
  try {
    await navigator.clipboard.writeText(link);
    $("invite-note").textContent = `Invite link copied: ${link} (send the password separately).`;
  } catch {
    $("invite-note").textContent = `Invite link: ${link} (send the password separately).`;
  }
}

function formValues() {
  return {
    roomId: $("room-id").value.trim(),
    password: $("room-password").value,
    username: $("display-name").value.trim(),
  };
}

// The composer grows with its lines, up to a bound (then it scrolls); no inline style.
const COMPOSER_MAX_ROWS = 8;
function fitComposer() {
  const input = $("message-input");
  input.rows = Math.min(COMPOSER_MAX_ROWS, Math.max(1, input.value.split("\n").length));
}

function start() {
  startTheme();
  startAttention();
  openAddress();
  window.addEventListener("hashchange", openAddress);
  $("invite-button").addEventListener("click", copyInvite);
  state.stream = new ChangeStream(applyChange);
  state.outbox = new Outbox({
    show: showPending,
    sent: sentMessage,
    refused: refusedMessage,
  });
  $("join-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const { roomId, password, username } = formValues();
    showError("entry-error", null);
    try {
      await enter(roomId, password, username);
    } catch (error) {
      showError("entry-error", error);
    }
  });
  $("create-button").addEventListener("click", async () => {
    const { roomId, password, username } = formValues();
    showError("entry-error", null);
    try {
      // Signed in, the account becomes the room's creator and admin.
      const body = { room_id: roomId, password };
      if (username && !state.account) body.username = username;
      const made = await call("POST", "/room/create", {
        body,
        token: state.account ? state.token : undefined,
      });
      state.roomId = roomId;
      $("admin-credential").value = "";
      if (state.account) {
        state.adminToken = null;
        await enter(roomId, password, username);
      } else {
        // The creator is the room's one admin member, under the name typed: its admin
        // token is what it chats with too (renewed like any room token).
        Object.assign(state, { token: made.admin_token, adminToken: made.admin_token });
        Object.assign(state, { userId: made.user_id, username: made.username, admin: false });
        scheduleRenewal(made.expires_in);
        openRoom(roomId);
        startSession(roomId, state.token);
        offerAdminCredential(state.adminToken);
      }
    } catch (error) {
      showError("entry-error", error);
    }
  });
  $("send-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("message-input");
    const text = input.value;
    if (!text.trim() || !state.socket || state.ended) return;
    stopTyping();
    state.outbox.add(text); // pending in the list until the server has it
    input.value = "";
    fitComposer();
  });
  $("message-input").addEventListener("input", () => {
    fitComposer();
    onKeyInput();
  });
  // Enter sends; Shift+Enter adds a line (and so does Enter while an IME composes).
  $("message-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("send-form").requestSubmit();
    }
  });
  $("messages").addEventListener("scroll", () => {
    if ($("messages").scrollTop < 40) loadOlder();
    scrolledList();
  });
  $("new-below").addEventListener("click", toNewest);
  $("older-button").addEventListener("click", loadOlder);
  $("leave-button").addEventListener("click", leave);
  $("copy-admin-button").addEventListener("click", async () => {
    const field = $("admin-credential-shown");
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      $("copy-admin-button").textContent = "Copied";
    } catch {
      $("copy-admin-button").textContent = "Selected: copy it with the keyboard";
    }
  });
  $("kept-admin-button").addEventListener("click", hideAdminCredential);
  $("rejoin-button").addEventListener("click", async () => {
    const roomId = state.roomId;
    leave();
    $("room-id").value = roomId;
    const { password, username } = formValues();
    if (!state.account && !password) {
      $("room-password").focus();
      return;
    }
    try {
      await enter(roomId, password, username);
    } catch (error) {
      showError("entry-error", error);
    }
  });
  $("other-room-button").addEventListener("click", () => {
    leave();
    $("room-id").value = "";
    $("room-id").focus();
  });
  $("dashboard-button").addEventListener("click", () =>
    openDashboard({
      roomId: state.roomId,
      token: adminCredential,
      onGone: leave,
      // A guest creator's credential is replaced; a signed-in admin's sign-in goes on.
      onNewToken: (pending) => {
        if (!state.adminToken) return;
        // A guest creator chats with its admin credential: the server ends the old one's
        // socket (room.js reconnects with the new one) and a reload resumes with the new one.
        const chatsWithIt = state.token === state.adminToken;
        if (chatsWithIt) state.rotating = pending.catch(() => null);
        pending.then(
          (token) => {
            state.adminToken = token;
            if (!chatsWithIt) return;
            state.token = token;
            startSession(state.roomId, token);
          },
          () => {},
        );
      },
      opener: $("dashboard-button"),
    }),
  );
  $("account-form").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn("/auth/login");
  });
  $("register-button").addEventListener("click", () => signIn("/auth/register"));
  $("sign-out-button").addEventListener("click", async () => {
    const refreshToken = state.account && state.account.refreshToken;
    signedOut();
    if (refreshToken) {
      try {
        await call("POST", "/auth/logout", { body: { refresh_token: refreshToken } });
      } catch {
        // Signed out here either way; the access token ends by itself.
      }
    }
  });
  $("dashboard-close").addEventListener("click", () => closeDashboard());
  resumeSession().then((resumed) => resumed && reopen(resumed));
}

// After a reload: the room and identity the page session kept (resume.js).
function reopen(resumed) {
  if (resumed.account) {
    signedIn(resumed.account);
  } else {
    state.token = resumed.token;
    scheduleRenewal(resumed.expiresIn);
  }
  Object.assign(state, { userId: resumed.userId, username: resumed.username });
  state.admin = Boolean(resumed.account) && resumed.admin;
  state.adminToken = resumed.adminToken;
  openRoom(resumed.roomId);
}

start();