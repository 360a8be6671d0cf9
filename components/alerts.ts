import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { chatbotTrustPolicy } from "../rules/iamPolicies";

/** Where an environment's alarms are sent (`vnv:alerts`). */
export interface AlertsArgs {
    readonly project: string;
    readonly environment: string;
    /** Addresses that get every alarm by email (each confirms its subscription once, from the first message). */
    readonly email?: readonly string[];
    /** A Slack channel, through AWS Chatbot (the workspace is authorised once in its console). */
    readonly slack?: { readonly workspaceId: string; readonly channelId: string };
    /** A Microsoft Teams channel, through AWS Chatbot (the team is authorised once in its console). */
    readonly teams?: { readonly teamId: string; readonly channelId: string; readonly tenantId: string };
}

/** What people in the channel may do through the chat integration: read CloudWatch, nothing else. */
export const CHAT_GUARDRAIL = "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess";

/**
 * The environment's alerts topic: every alarm publishes to it (and again when it recovers), and
 * it reaches the team by email and/or in its Slack or Teams channel through AWS Chatbot, AWS's
 * own path (no function of ours formats or relays anything). The alarm's description names the
 * environment, version, service and metric, and is what the message shows.
 */
export class Alerts extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;

    constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:Alerts", name, {}, opts);
        const topic = new aws.sns.Topic(`${name}-topic`, { name: `${args.project}-${args.environment}-alerts` }, { parent: this });
        (args.email ?? []).forEach((address, i) => {
            new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: topic.arn, protocol: "email", endpoint: address }, { parent: this });
        });
        if (args.slack !== undefined || args.teams !== undefined) {
            const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
            const role = new aws.iam.Role(
                `${name}-chat`,
                { assumeRolePolicy: account.apply(chatbotTrustPolicy), description: `AWS Chatbot: the alerts of ${args.environment}` },
                { parent: this },
            );
            new aws.iam.RolePolicyAttachment(`${name}-chat-read`, { role: role.name, policyArn: CHAT_GUARDRAIL }, { parent: this });
            const common = {
                configurationName: `${args.project}-${args.environment}-alerts`.slice(0, 120),
                iamRoleArn: role.arn,
                snsTopicArns: [topic.arn],
                guardrailPolicyArns: [CHAT_GUARDRAIL],
                loggingLevel: "ERROR",
            };
            if (args.slack !== undefined) {
                new aws.chatbot.SlackChannelConfiguration(
                    `${name}-slack`,
                    {
                        ...common,
                        configurationName: `${common.configurationName}-slack`,
                        slackTeamId: args.slack.workspaceId,
                        slackChannelId: args.slack.channelId,
                    },
                    { parent: this },
                );
            }
            if (args.teams !== undefined) {
                new aws.chatbot.TeamsChannelConfiguration(
                    `${name}-teams`,
                    {
                        ...common,
                        configurationName: `${common.configurationName}-teams`,
                        teamId: args.teams.teamId,
                        channelId: args.teams.channelId,
                        tenantId: args.teams.tenantId,
                    },
                    { parent: this },
                );
            }
        }
        this.topicArn = topic.arn;
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
