/**
 * Capacity and slots of the shared ALB: a new environment is created only when one more fits,
 * gets its tags (and so its expiry) before anything else, and reserves a slot (a block of
 * listener-rule priorities) no other environment holds.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { planRules } from "../../rules/listenerRules";
import {
    claimedSlots,
    type EnvironmentMeta,
    environmentCapacity,
    lowestFreeSlot,
    metaToTags,
    reslot,
    stackRole,
    TAG,
    type TagRules,
} from "../../rules/metadata";
import type { ServiceSpec } from "../../rules/service";
import { CapacityError, OperationError } from "../errors";
import type { StackStore, StoredStack } from "../state/stackStore";
import { sleep } from "../util";

/** How many environments of these services fit on the shared ALB (or `configured`, if lower). */
export function capacityFor(services: readonly ServiceSpec[], hostname: string, configured?: number): number {
    const rules = planRules(services, { hostname, slot: 0 }).length;
    const targetGroups = services.filter((s) => s.public ?? false).length;
    return environmentCapacity(rules, targetGroups, configured);
}

/** The live environments among `stacks` (valid tags, agreeing with their stack: see {@link TagRules}). */
export function liveOf(stacks: readonly StoredStack[], rules: TagRules): EnvironmentMeta[] {
    return stacks.flatMap((s) => {
        const role = stackRole(s.name, s.tags, rules);
        return role.role === "environment" ? [role.meta] : [];
    });
}

/**
 * A new stack for `meta` (its slot is chosen here), within `capacity`, tagged, in a slot no other
 * stack claims. The slot is reserved optimistically: written, then checked. Of two runs that
 * chose the same slot, the later writer always sees the other and moves (both may move); a move
 * picks among the lowest free slots at random, so the runs soon part.
 */
export async function createInSlot(
    store: StackStore,
    meta: Omit<EnvironmentMeta, "slot">,
    capacity: number,
    rules: TagRules,
    log: (line: string) => void,
): Promise<{ stack: Stack; meta: EnvironmentMeta }> {
    const all = await store.list();
    const live = liveOf(all, rules);
    if (live.length >= capacity) {
        throw new CapacityError(capacity, live);
    }
    const stack = await store.create(meta.stack);
    let placed: EnvironmentMeta = { ...meta, slot: lowestFreeSlot(claimedSlots(all, meta.stack)) };
    await store.tagNew(stack, metaToTags(placed));
    for (let attempt = 0; ; attempt++) {
        const taken = claimedSlots(await store.list(), meta.stack);
        if (!taken.includes(placed.slot)) {
            break;
        }
        if (attempt >= 10) {
            throw new OperationError(`${meta.stack}: could not reserve a slot on the shared listener; try again`);
        }
        placed = { ...placed, slot: reslot(taken, Math.random()) };
        await stack.setTag(TAG.slot, String(placed.slot));
        await sleep(Math.random() * 300);
    }
    log(`${meta.stack}: created stack in slot ${placed.slot}, owner ${placed.owner}, expires ${placed.expiresAt.toISOString()}`);
    return { stack, meta: placed };
}
