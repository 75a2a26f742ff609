import { MemoryPredictionStore } from '../../src/store/memory-prediction-store.js';
import { predictionStoreContract } from './prediction-store-contract.js';

predictionStoreContract('memory', async () => new MemoryPredictionStore());
