import { MemoryBlobDriver } from './memory-driver.js';
import { blobDriverConformance } from './conformance.js';

blobDriverConformance('memory', {
  create: () => Promise.resolve({ driver: new MemoryBlobDriver(), cleanup: () => Promise.resolve() }),
});
