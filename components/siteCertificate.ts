import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { validateDomain } from "../rules/naming";

/** Arguments of {@link SiteCertificate}. */
export interface SiteCertificateArgs {
    /** Exact host (`vnv.step-studio.be`) or wildcard (`*.step-studio.be`). */
    readonly domainName: string;
    /** Further names on the same certificate. @default [] */
    readonly subjectAlternativeNames?: readonly string[];
    /** Route 53 hosted zone that receives the validation records. */
    readonly hostedZoneId: pulumi.Input<string>;
}

/** The name ACM validates for `name`: a wildcard and its apex share one validation record. */
export function validationKey(name: string): string {
    return name.replace(/^\*\./, "");
}

/**
 * An ACM certificate validated through DNS: one Route 53 record per distinct validation name
 * (built from every entry of `domainValidationOptions`, never only the first), and the
 * CertificateValidation that waits for them.
 *
 * ACM gives every certificate for a name in an account the same validation CNAME, so the record
 * may already be in the zone (another stack's certificate, a replaced certificate of this one):
 * it is written with UPSERT (`allowOverwrite`) and never deleted (`retainOnDelete`), because a
 * delete removes whatever record is live under that name (terraform-provider-aws,
 * route53/record.go) and with it the renewal of every other certificate for the name.
 */
export class SiteCertificate extends pulumi.ComponentResource {
    /** ARN of the *validated* certificate: a listener using it waits for validation. */
    public readonly certificateArn: pulumi.Output<string>;
    public readonly validationRecordFqdns: pulumi.Output<string[]>;

    constructor(name: string, args: SiteCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:SiteCertificate", name, {}, opts);
        const names = [args.domainName, ...(args.subjectAlternativeNames ?? [])];
        for (const n of names) {
            validateDomain(validationKey(n));
        }
        const certificate = new aws.acm.Certificate(
            `${name}-cert`,
            {
                domainName: args.domainName,
                subjectAlternativeNames: args.subjectAlternativeNames ? [...args.subjectAlternativeNames] : undefined,
                validationMethod: "DNS",
            },
            // A replacement certificate must exist before the old one is detached from listeners.
            { parent: this, deleteBeforeReplace: false },
        );
        const keys = [...new Set(names.map(validationKey))];
        const records = keys.map((key) => {
            const option = certificate.domainValidationOptions.apply((options) => {
                const found = options.find((o) => validationKey(o.domainName) === key);
                if (!found) {
                    throw new Error(`ACM returned no validation option for ${key}`);
                }
                return found;
            });
            return new aws.route53.Record(
                `${name}-validation-${key}`,
                {
                    zoneId: args.hostedZoneId,
                    name: option.resourceRecordName,
                    type: option.resourceRecordType,
                    records: [option.resourceRecordValue],
                    ttl: 60,
                    allowOverwrite: true,
                },
                { parent: this, retainOnDelete: true },
            );
        });
        const validation = new aws.acm.CertificateValidation(
            `${name}-validation`,
            {
                certificateArn: certificate.arn,
                validationRecordFqdns: records.map((r) => r.fqdn),
            },
            { parent: this },
        );
        this.certificateArn = validation.certificateArn;
        this.validationRecordFqdns = pulumi.output(records.map((r) => r.fqdn));
        this.registerOutputs({ certificateArn: this.certificateArn, validationRecordFqdns: this.validationRecordFqdns });
    }
}
