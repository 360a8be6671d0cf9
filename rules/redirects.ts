/**
 * Azure AD redirect URIs: which ones an environment needs, and whether Azure AD accepts them.
 *
 * Azure AD's rules (docs/architecture.md, "Platform facts"): HTTPS only, except `http://localhost`; at most 256 characters each;
 * none of `! $ ' ( ) , ;`; at most 256 URIs per application (100 when personal Microsoft
 * accounts may sign in).
 *
 * Pure module: no `@pulumi/*` import.
 */

export const REDIRECT_URI_MAX_LENGTH = 256;
export const REDIRECT_URIS_PER_APP = 256;
export const REDIRECT_URIS_PER_APP_WITH_PERSONAL_ACCOUNTS = 100;
const FORBIDDEN = /[!$'(),;]/;

/** Thrown for a redirect URI, or a list of them, that Azure AD would refuse. */
export class RedirectUriError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RedirectUriError";
    }
}

/** Why Azure AD would refuse `uri`, or undefined when it is acceptable. */
export function redirectUriProblem(uri: string): string | undefined {
    if (uri.length > REDIRECT_URI_MAX_LENGTH) {
        return `longer than ${REDIRECT_URI_MAX_LENGTH} characters (${uri.length})`;
    }
    const bad = uri.match(FORBIDDEN);
    if (bad) {
        return `contains ${JSON.stringify(bad[0])}; none of ! $ ' ( ) , ; is allowed`;
    }
    let url: URL;
    try {
        url = new URL(uri);
    } catch {
        return "not an absolute URL";
    }
    const localhost = url.hostname === "localhost" || url.hostname === "127.0.0.1";
    if (url.protocol !== "https:" && !(url.protocol === "http:" && localhost)) {
        return `scheme ${url.protocol.replace(/:$/, "")} is not allowed: use https (http only for localhost)`;
    }
    if (url.hash !== "") {
        return "a fragment (#...) is not allowed";
    }
    return undefined;
}

/** Throws {@link RedirectUriError} naming `uri` when Azure AD would refuse it. */
export function validateRedirectUri(uri: string): string {
    const problem = redirectUriProblem(uri);
    if (problem !== undefined) {
        throw new RedirectUriError(`invalid redirect URI ${JSON.stringify(uri)}: ${problem}`);
    }
    return uri;
}

export interface RedirectListOptions {
    /** The application lets personal Microsoft accounts sign in (limit 100 instead of 256). @default false */
    readonly personalAccounts?: boolean;
}

/**
 * Validates a complete redirect list of one type: every URI acceptable, no more than the
 * application's limit. Answers the list de-duplicated and sorted, so that the same set always
 * gives the same list (no spurious diffs).
 */
export function validateRedirectList(uris: readonly string[], options: RedirectListOptions = {}): string[] {
    const unique = [...new Set(uris.map(validateRedirectUri))].sort();
    const limit = (options.personalAccounts ?? false) ? REDIRECT_URIS_PER_APP_WITH_PERSONAL_ACCOUNTS : REDIRECT_URIS_PER_APP;
    if (unique.length > limit) {
        throw new RedirectUriError(`${unique.length} redirect URIs exceed the application's limit of ${limit}; remove environments or fixed hosts`);
    }
    return unique;
}

/**
 * The redirect URIs one environment needs: each of `paths` under `https://<host>`.
 * `redirectUrisFor("1-2-3-rc-1.step-studio.be", ["/", "/auth/callback"])` →
 * `["https://1-2-3-rc-1.step-studio.be/", "https://1-2-3-rc-1.step-studio.be/auth/callback"]`.
 */
export function redirectUrisFor(host: string, paths: readonly string[]): string[] {
    if (paths.length === 0) {
        throw new RedirectUriError(`no redirect paths given for ${host}: give at least one, such as "/"`);
    }
    return validateRedirectList(
        paths.map((path) => {
            if (!path.startsWith("/")) {
                throw new RedirectUriError(`redirect path ${JSON.stringify(path)} must start with "/"`);
            }
            return `https://${host}${path}`;
        }),
    );
}
