import Joi from 'joi';
import { REJECT_REASONS, type RejectReason } from '../../shared/domain/outcomes.js';

/** Which rejected postbacks to replay: a reason, maybe one click. */
export interface BulkReplay {
  reason: RejectReason;
  clickid?: string;
}

export const bulkBody = Joi.object<BulkReplay>({
  reason: Joi.string()
    .valid(...REJECT_REASONS.filter((r) => r !== 'invalid_params'))
    .required(),
  clickid: Joi.string().max(128),
});
