// The ES module entry: the same single instance as the CommonJS entry, so useKernel() and the
// loaded binary are shared however the package is imported.
import simdot from './index.js';

export type { Info, Operation, Tier, TopKBatchOptions, TopKOptions, TopKResult } from './index.js';
export const { TIERS, dot, dots, info, topK, topKAsync, topKBatch, topKBatchAsync, useKernel } = simdot;
export default simdot;
