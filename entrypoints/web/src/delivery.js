// Delivery: nothing the page sends or receives is lost or doubled across a reconnect.
//
// - ChangeStream follows the room's change stream (README, "Delivery"): the last `offset`
//   and `epoch` seen, from the join ack and every change event. A rejoin asks for the
//   changes `since` them; the ack's `missed` and the live events that came meanwhile are
//   applied in offset order, each offset once (a change may come both live and in
//   `missed`). When the server cannot give them all (`recovered: false`) the page reloads.
// - Outbox holds what was typed until the server has it: each message has a `client_id`
//   made once, stays visibly pending while the socket is down, and is sent (again, with
//   the same client_id: the server answers a repeat with the first message's id) once
//   the room is joined. One message is in flight at a time, so they arrive in order.

export const CHANGES = ["message", "message_edited", "message_deleted", "reaction_update", "history_cleared"];
const ACK_WAIT_MS = 10000; // no ack by then: sent again on the next join

export class ChangeStream {
  constructor(apply) {
    this.apply = apply; // (event, data) => the page shows the change
    this.reset();
  }

  reset() {
    this.offset = null;
    this.epoch = null;
    this.held = null;
  }

  // What a rejoin asks for: undefined before the first join ack.
  since() {
    return this.epoch === null ? undefined : { offset: this.offset, epoch: this.epoch };
  }

  // A join is under way: live changes wait for its ack (they may be newer than `missed`).
  hold() {
    this.held = [];
  }

  // The join failed or the socket went down before its ack.
  release() {
    this.held = null;
  }

  live(event, data) {
    if (this.held) this.held.push({ event, data });
    else this.take(event, data);
  }

  take(event, data) {
    if (!data || typeof data.offset !== "number") return;
    if (this.offset !== null && data.offset <= this.offset) return; // applied already
    this.apply(event, data);
    this.offset = data.offset;
  }

  // The join ack. Returns true when the page must reload the room's history: a first
  // join, or a rejoin the server could not bring up to date.
  joined(ack) {
    const held = this.held || [];
    this.held = null;
    const asked = this.epoch !== null;
    const recovered = asked && ack.recovered === true && ack.epoch === this.epoch;
    if (recovered) {
      for (const change of ack.missed || []) this.take(change.event, change.data);
    }
    this.epoch = typeof ack.epoch === "string" ? ack.epoch : null;
    if (!recovered || this.offset === null || ack.offset > this.offset) {
      this.offset = typeof ack.offset === "number" ? ack.offset : null;
    }
    held.sort((a, b) => a.data.offset - b.data.offset);
    for (const change of held) this.take(change.event, change.data);
    return !recovered;
  }
}

export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID(); // secure contexts only
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class Outbox {
  // show(item) puts a pending item in the list and returns its element; sent(item, id) and
  // refused(item, ack) are told how each one ended.
  constructor({ show, sent, refused }) {
    this.hooks = { show, sent, refused };
    this.items = [];
    this.socket = null;
    this.room = null;
    this.inflight = null;
    this.retryTimer = null;
  }

  add(text) {
    const item = { clientId: newClientId(), text, attempt: 0, element: null };
    item.element = this.hooks.show(item);
    this.items.push(item);
    this.flush();
  }

  // The socket is in the room (join acked): send what waits.
  ready(socket, room) {
    this.socket = socket;
    this.room = room;
    this.inflight = null;
    this.flush();
  }

  // The socket went down: what was in flight goes again on the next join.
  down() {
    this.socket = null;
    this.inflight = null;
    clearTimeout(this.retryTimer);
  }

  // Out of the room: nothing more goes; returns what was never sent.
  drop() {
    this.down();
    const left = this.items;
    this.items = [];
    return left;
  }

  // The message in flight, if `message` (a broadcast from this identity) may be it.
  inFlight(message) {
    const item = this.inflight;
    const pending = item && item.element.classList.contains("pending");
    return pending && item.text === message.message ? item : null;
  }

  flush() {
    const socket = this.socket;
    if (!socket || !socket.connected || this.inflight || this.items.length === 0) return;
    const item = this.items[0];
    const attempt = ++item.attempt;
    this.inflight = item;
    const body = { room: this.room, message: item.text, client_id: item.clientId };
    socket.timeout(ACK_WAIT_MS).emit("message", body, (error, ack) => {
      if (this.inflight !== item || item.attempt !== attempt) return; // superseded
      this.inflight = null;
      if (error || !ack) return; // no answer: sent again on the next join
      if (!ack.ok && ack.code === "rate_limited") {
        const wait = (Number(ack.retry_after) || 1) * 1000;
        this.retryTimer = setTimeout(() => this.flush(), wait);
        return;
      }
      this.items.shift();
      if (ack.ok) this.hooks.sent(item, ack.message_id);
      else this.hooks.refused(item, ack);
      this.flush();
    });
  }
}

// What was typed and is not stored yet, in the message list: pending until the server has
// it, or not sent when the page left the room.
function item(text, status, className) {
  const element = document.createElement("li");
  element.className = `message ${className}`;
  const meta = document.createElement("div");
  meta.className = "meta";
  const state = document.createElement("span");
  state.className = "delivery";
  state.textContent = status;
  meta.append(state);
  const body = document.createElement("p");
  body.className = "text";
  body.textContent = text;
  element.append(meta, body);
  return element;
}

export function pendingItem({ text }) {
  return item(text, "Sending… (kept until the connection is back)", "pending");
}

export function unsentItem({ text }) {
  return item(text, "Not sent", "unsent");
}
