import { z } from "zod";
import { SpotnanaDateTime } from "./spotnana-date-time.ts";

/**
 * An approver as listed in a PNR_APPROVAL payload. The contract document names `approvers`
 * [C] but not the shape of one, so both a bare id and an object are accepted.
 */
export const Approver = z.union([z.string().min(1), z.looseObject({})]);
export type Approver = z.infer<typeof Approver>;

/** PNR_APPROVAL: an approval request on a booking. `pnrId` and `approvalId` identify it [C]. */
export const PnrApprovalPayload = z.looseObject({
  pnrId: z.string().min(1),
  approvalId: z.string().min(1),
  tripId: z.string().min(1).optional(),
  /** A string, not an enum: SOFT_APPROVAL is confirmed, HARD_APPROVAL only inferred. */
  appliedApprovalType: z.string().optional(),
  deadline: SpotnanaDateTime.optional(),
  approvers: z.array(Approver).optional(),
});
export type PnrApprovalPayload = z.infer<typeof PnrApprovalPayload>;
