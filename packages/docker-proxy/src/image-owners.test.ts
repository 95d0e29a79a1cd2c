// The shared ImageOwners cases against the in-memory implementation.
import { createMemoryImageOwners } from './image-owners.js';
import { imageOwnersCases } from './image-owners.case.js';

imageOwnersCases('memory', () =>
  Promise.resolve({ owners: createMemoryImageOwners(), close: () => Promise.resolve() }),
);
