/**
 * The parts of the distribution API's answers the client reads as text: a tag list's pages and
 * their `Link` headers (RFC 8288), and a `WWW-Authenticate` challenge. Every page bounded, every
 * next link kept within the repository's own tag list.
 */
import type { Repository } from "../rules/imageReference";
import { escaped, readBounded, RegistryError } from "./transport";

/** Largest page of a tag list (1000 tags of at most 128 characters fit many times over). */
export const MAX_TAG_PAGE_BYTES = 4 * 1024 * 1024;
export interface Challenge {
    readonly scheme: "basic" | "bearer";
    readonly params: Record<string, string>;
}

/** `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:x:pull"`. */
export function parseChallenge(header: string): Challenge | undefined {
    const m = header.match(/^\s*(Basic|Bearer)\b\s*(.*)$/i);
    if (!m) {
        return undefined;
    }
    const params: Record<string, string> = {};
    for (const p of m[2]!.matchAll(/([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) {
        params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? "";
    }
    return { scheme: m[1]!.toLowerCase() as "basic" | "bearer", params };
}

/** One page of a tag list: `{"tags": [string…]}` (or null), at most {@link MAX_TAG_PAGE_BYTES}. */
export async function readTagPage(repo: Repository, image: string, res: Response): Promise<string[]> {
    const bytes = await readBounded(
        res,
        MAX_TAG_PAGE_BYTES,
        (size) => new RegistryError("invalid", image, `${image}: ${repo.registry} answered a tag page of ${size}, more than the ${MAX_TAG_PAGE_BYTES} allowed`),
    );
    let body: { tags?: unknown } | null;
    try {
        body = JSON.parse(bytes.toString("utf8")) as { tags?: unknown } | null;
    } catch {
        throw new RegistryError("invalid", image, `${image}: ${repo.registry} answered a tag list that is not JSON`);
    }
    const tags = body?.tags ?? [];
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string")) {
        throw new RegistryError("invalid", image, `${image}: ${repo.registry} answered a tag list that is not a list of strings`);
    }
    return tags as string[];
}

/**
 * The target of the `rel="next"` link of a `Link` header (RFC 8288), as written: several links
 * may be given, separated by commas, and `rel` may list several relations (`rel="next last"`).
 */
export function parseNextLink(header: string | null | undefined): string | undefined {
    for (const m of (header ?? "").matchAll(/<([^>]*)>((?:\s*;\s*[^;,]*)*)/g)) {
        for (const param of m[2]!.matchAll(/;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))/gi)) {
            const rels = (param[1] ?? param[2] ?? "").toLowerCase().split(/\s+/);
            if (rels.includes("next")) {
                return m[1]!;
            }
        }
    }
    return undefined;
}

/** The next page of a tag list (`tags/list?…`), if the registry gives one within this repository's tag list; refused otherwise. */
export function nextPage(repo: Repository, image: string, header: string | null, requested: string): string | undefined {
    const link = parseNextLink(header);
    if (link === undefined) {
        return undefined;
    }
    const list = `/v2/${repo.path}/tags/list`;
    let target: URL;
    try {
        target = new URL(link, requested);
    } catch {
        throw new RegistryError("invalid", image, `${image}: ${repo.registry}'s next-page link ${escaped(JSON.stringify(link))} is not a URL; not followed`);
    }
    if (target.origin !== new URL(repo.baseUrl).origin || target.pathname !== list) {
        throw new RegistryError(
            "invalid",
            image,
            `${image}: ${repo.registry}'s next-page link ${escaped(JSON.stringify(link))} leads away from ${repo.baseUrl}${list}; refused, not followed`,
        );
    }
    return `tags/list${target.search}`;
}
