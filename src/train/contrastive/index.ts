// The `contrastive` namespace (issue 7): InfoNCE as an autograd op, the MoCo queue, the memory bank, the
// momentum encoder update and the contrastive checkpoint state.
export { infoNCE, crossModalLoss, uniModalLoss, type InfoNCEOptions, type CrossModalLossOptions, type Negatives } from './infonce.ts';
export { createQueue, createMemoryBank, Queue, MemoryBank, BankSample, type QueueOptions, type MemoryBankOptions } from './memory.ts';
export { momentumUpdate, type MomentumModel } from './momentum.ts';
export { saveContrastiveState as saveState, loadContrastiveState as loadState, type ContrastiveState } from './checkpoint.ts';
