import { MemoryReviewStore } from '../../src/review/memory-review-store.js';
import { reviewStoreContract } from './review-store-contract.js';

reviewStoreContract('memory', async () => new MemoryReviewStore());
