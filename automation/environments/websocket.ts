/**
 * The WebSocket probe: opens a WebSocket through the environment's URL (the load balancer) and
 * closes it at once. A service that declares a `websocket` path is healthy only when this works,
 * because a 2xx on its health path says nothing about an upgrade the ALB or a proxy refuses.
 *
 * The handshake is RFC 6455's, section 4: a GET with `Upgrade: websocket`, a random
 * `Sec-WebSocket-Key` and version 13; the answer must be `101 Switching Protocols` with
 * `Sec-WebSocket-Accept` = base64(SHA-1(key + the RFC's GUID)). No frame is sent.
 */
import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import { terminalText } from "../../rules/terminal";

/** RFC 6455, section 1.3. */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The `Sec-WebSocket-Accept` an honest server answers to `key`. */
export function acceptFor(key: string): string {
    return createHash("sha1").update(`${key}${GUID}`).digest("base64");
}

/** `https://host/path` → the same URL with the scheme the upgrade runs over; anything else is refused. */
function transportOf(url: URL): typeof http | typeof https {
    if (url.protocol === "https:" || url.protocol === "wss:") {
        return https;
    }
    if (url.protocol === "http:" || url.protocol === "ws:") {
        return http;
    }
    throw new Error(`a WebSocket probe needs an http(s) or ws(s) URL, got ${url.protocol}`);
}

/**
 * One handshake at `url`: `{ok: true, seen: "WebSocket 101"}`, or what came instead
 * (`HTTP 200 instead of an upgrade`, `WebSocket 101 with a wrong Sec-WebSocket-Accept`,
 * `connection refused`, `timed out`). Bounded by `timeoutMs` from start to answer.
 */
export function probeWebSocket(target: string, options: { timeoutMs?: number } = {}): Promise<{ ok: boolean; seen: string }> {
    const url = new URL(target);
    const transport = transportOf(url);
    const key = randomBytes(16).toString("base64");
    return new Promise((resolve) => {
        let settled = false;
        const done = (ok: boolean, seen: string): void => {
            if (!settled) {
                settled = true;
                clearTimeout(timer);
                request.destroy();
                resolve({ ok, seen });
            }
        };
        const request = transport.request(url, {
            method: "GET",
            headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13" },
        });
        const timer = setTimeout(() => done(false, "timed out"), options.timeoutMs ?? 5_000);
        request.on("upgrade", (res, socket) => {
            socket.destroy();
            const accept = res.headers["sec-websocket-accept"];
            if (res.statusCode !== 101) {
                done(false, `HTTP ${res.statusCode} instead of an upgrade`);
            } else if (accept !== acceptFor(key)) {
                done(false, `WebSocket 101 with a wrong Sec-WebSocket-Accept (${bounded(String(accept ?? "none"), 64)})`);
            } else {
                done(true, "WebSocket 101");
            }
        });
        request.on("response", (res) => {
            res.destroy();
            done(false, `HTTP ${res.statusCode} instead of an upgrade`);
        });
        request.on("error", (e: NodeJS.ErrnoException) => done(false, e.code === "ECONNREFUSED" ? "connection refused" : bounded(e.message, 200)));
        request.end();
    });
}

/** Another program's text, escaped for a terminal and cut to `max` characters. */
function bounded(text: string, max: number): string {
    return terminalText(text.length > max ? `${text.slice(0, max)}…` : text);
}
