/** Real HTTP servers on loopback for tests: a scripted answer per request, and every request kept. */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface TestServer {
    readonly url: string;
    /** Bodies and paths of the requests received, in order. */
    readonly requests: { path: string; body: string }[];
    close(): Promise<void>;
}

/** A server whose `n`-th request (0-based) is answered with `status(n, path)`. */
export async function startServer(status: (n: number, path: string) => number): Promise<TestServer> {
    const requests: { path: string; body: string }[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            const n = requests.length;
            requests.push({ path: req.url ?? "", body });
            res.writeHead(status(n, req.url ?? ""), { "content-type": "text/plain" });
            res.end("ok");
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** A loopback URL nothing listens on. */
export async function deadUrl(): Promise<string> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return `http://127.0.0.1:${port}`;
}
