import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { validateRedirectList } from "../rules/redirects";

export type RedirectType = "SPA" | "Web";

/** Arguments of {@link AuthRedirects}. */
export interface AuthRedirectsArgs {
    /** Resource ID of the existing application registration: `/applications/<object id>`. */
    readonly applicationId: pulumi.Input<string>;
    /** Which list of the application this owns. */
    readonly type: RedirectType;
    /** The complete list: every URI that must stay registered, not only this stack's. */
    readonly redirectUris: readonly string[];
    /** The application lets personal Microsoft accounts sign in (limit 100 URIs). @default false */
    readonly personalAccounts?: boolean;
}

const APPLICATION_ID = /^\/applications\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Owns the complete redirect-URI list of one type (SPA or Web) of an existing Azure AD
 * application, through `azuread.ApplicationRedirectUris`.
 *
 * **Use it in exactly one stack per application and type.** The resource overwrites the whole
 * list on every update and empties it on delete: two stacks owning the same list would erase
 * each other's URIs. Environments therefore only *export* the URIs they need; one owner stack
 * (production for its own application, the automation's auth stack for the test application)
 * registers the union.
 */
export class AuthRedirects extends pulumi.ComponentResource {
    public readonly redirectUris: pulumi.Output<string[]>;

    constructor(name: string, args: AuthRedirectsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:AuthRedirects", name, {}, opts);
        if (args.type !== "SPA" && args.type !== "Web") {
            throw new Error(`AuthRedirects: type must be "SPA" or "Web", got ${JSON.stringify(args.type)}`);
        }
        if (typeof args.applicationId === "string" && !APPLICATION_ID.test(args.applicationId)) {
            throw new Error(`AuthRedirects: applicationId must look like /applications/<object id>, got ${JSON.stringify(args.applicationId)}`);
        }
        const uris = validateRedirectList(args.redirectUris, { personalAccounts: args.personalAccounts });
        const list = new azuread.ApplicationRedirectUris(
            `${name}-${args.type.toLowerCase()}`,
            { applicationId: args.applicationId, type: args.type, redirectUris: uris },
            { parent: this },
        );
        this.redirectUris = list.redirectUris;
        this.registerOutputs({ redirectUris: this.redirectUris });
    }
}
