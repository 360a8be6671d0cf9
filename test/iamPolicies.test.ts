import { strict as assert } from "node:assert";
import fc from "fast-check";
import { bucketReadStatements, ecsTasksTrustPolicy, executionPolicy, grantedSecretArn } from "../rules/iamPolicies";

const SECRET = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:vnv/dev/neo4j-auth-AbCdEf";

describe("IAM documents of the tasks", () => {
    it("a secret named with a JSON key, version stage or version id grants the secret itself", () => {
        assert.equal(grantedSecretArn(`${SECRET}:password::`), SECRET);
        assert.equal(grantedSecretArn(`${SECRET}:password:AWSCURRENT:`), SECRET);
        assert.equal(grantedSecretArn(`${SECRET}::AWSPREVIOUS:`), SECRET);
        assert.equal(grantedSecretArn(SECRET), SECRET);
    });

    it("any JSON key, stage and version id after a secret's ARN is dropped from the grant", () => {
        const part = fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/);
        fc.assert(fc.property(part, part, part, (key, stage, id) => grantedSecretArn(`${SECRET}:${key}:${stage}:${id}`) === SECRET));
    });

    it("an SSM parameter is granted as named, with ssm:GetParameters", () => {
        const param = "arn:aws:ssm:eu-central-1:123456789012:parameter/vnv/token";
        const doc = JSON.parse(executionPolicy({ secrets: [param], registries: [] })!);
        assert.deepEqual(doc.Statement, [{ Sid: "ReadParameters", Effect: "Allow", Action: ["ssm:GetParameters"], Resource: [param] }]);
    });

    it("registry credentials are readable, and decryptable only with their own customer key", () => {
        const key = "arn:aws:kms:eu-central-1:123456789012:key/5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
        const doc = JSON.parse(
            executionPolicy({ secrets: [`${SECRET}:a::`], registries: [{ secretArn: `${SECRET.slice(0, -6)}ghcr-XyZabc`, kmsKeyArn: key }] })!,
        );
        const byAction = Object.fromEntries(doc.Statement.map((s: { Action: string[]; Resource: string[] }) => [s.Action.join(), s.Resource]));
        assert.deepEqual(byAction["secretsmanager:GetSecretValue"], [SECRET, `${SECRET.slice(0, -6)}ghcr-XyZabc`].sort());
        assert.deepEqual(byAction["kms:Decrypt"], [key]);
    });

    it("nothing to read makes no policy", () => {
        assert.equal(executionPolicy({ secrets: [], registries: [] }), undefined);
    });

    it("only ECS tasks of the account may assume the roles (aws:SourceAccount)", () => {
        const doc = JSON.parse(ecsTasksTrustPolicy("123456789012"));
        assert.deepEqual(doc.Statement[0].Principal, { Service: "ecs-tasks.amazonaws.com" });
        assert.deepEqual(doc.Statement[0].Condition, { StringEquals: { "aws:SourceAccount": "123456789012" } });
    });

    it("reading a bucket lists the bucket's ARN and gets objects under bucket/*", () => {
        const statements = bucketReadStatements("arn:aws:s3:::b", ["arn:aws:iam::123456789012:role/r"]) as { Action: string; Resource: string }[];
        assert.deepEqual(
            statements.map((s) => [s.Action, s.Resource]),
            [
                ["s3:ListBucket", "arn:aws:s3:::b"],
                ["s3:GetObject", "arn:aws:s3:::b/*"],
            ],
        );
    });
});
