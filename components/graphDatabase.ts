import { randomBytes } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { credentialsDocument, credentialsSecretName, type DatabaseSpec, databaseSecretKeys, SECRET_KEYS } from "../rules/database";

/**
 * 48 hex digits (192 bits). Hex, not base64: the image's entrypoint hands the password to
 * `neo4j-admin dbms set-initial-password` as an argument, where one starting with `-` would be
 * read as an option, and `/` separates the user from the password in `NEO4J_AUTH`.
 */
export function generatedPassword(): string {
    return randomBytes(24).toString("hex");
}

/** Arguments of {@link GraphDatabaseCredentials}. */
export interface GraphDatabaseCredentialsArgs {
    /** Project name in the secret's name (`vnv`). */
    readonly project: string;
    /** Environment name (`v1-2-3-rc-1`). */
    readonly environment: string;
    readonly database: DatabaseSpec;
}

/**
 * The credentials of an environment's own database, generated for it: one Secrets Manager
 * secret (`vnv/<environment>/neo4j-credentials`) whose JSON keys the database and its clients
 * read as ECS secrets. No password appears in a task definition, an output or the program's
 * log; the engine keeps the generated value as a secret in the state.
 *
 * The password is generated once. The program draws a new one at every run, but the secret's
 * value ignores changes: the provider would otherwise replace the version at every update
 * (`secret_string` is ForceNew, terraform-provider-aws secretsmanager/secret_version.go) and
 * the clients would hold a password the running database never had.
 *
 * Destroying the environment deletes the secret at once (`recoveryWindowInDays: 0`, which the
 * provider sends as ForceDeleteWithoutRecovery, secretsmanager/secret.go), so a new environment
 * of the same version can take the name again; the provider retries creation while a deleted
 * secret of that name is still being removed.
 */
export class GraphDatabaseCredentials extends pulumi.ComponentResource {
    public readonly secretArn: pulumi.Output<string>;
    /** The secret's value: containers that read it wait for this. */
    public readonly value: aws.secretsmanager.SecretVersion;

    private readonly database: DatabaseSpec;

    constructor(name: string, args: GraphDatabaseCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:GraphDatabaseCredentials", name, {}, opts);
        this.database = args.database;
        const secret = new aws.secretsmanager.Secret(
            `${name}-secret`,
            {
                name: credentialsSecretName(args.project, args.environment, args.database.name),
                description: `Credentials of the ${args.database.name} database of ${args.environment}, generated for it`,
                recoveryWindowInDays: 0,
            },
            { parent: this },
        );
        this.value = new aws.secretsmanager.SecretVersion(
            `${name}-value`,
            { secretId: secret.id, secretString: pulumi.secret(credentialsDocument(generatedPassword())) },
            { parent: this, ignoreChanges: ["secretString"] },
        );
        this.secretArn = secret.arn;
        this.registerOutputs({ secretArn: this.secretArn });
    }

    /** `valueFrom` of one JSON key of the secret (`<arn>:password::`). */
    private key(key: string): pulumi.Output<string> {
        return pulumi.interpolate`${this.secretArn}:${key}::`;
    }

    /** The ECS secrets per service (rules/database.ts databaseSecretKeys): `valueFrom` of each key. */
    secretsByService(): Record<string, Record<string, pulumi.Output<string>>> {
        const byService = databaseSecretKeys(this.database);
        return Object.fromEntries(
            Object.entries(byService).map(([service, variables]) => [
                service,
                Object.fromEntries(Object.entries(variables).map(([variable, key]) => [variable, this.key(SECRET_KEYS[key])])),
            ]),
        );
    }
}
