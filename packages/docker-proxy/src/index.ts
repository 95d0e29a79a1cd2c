export * from './caller.js';
export * from './image-owners.js';
export { checkImageUse } from './image-access.js';
export * from './labels.js';
export * from './proxy.js';
export * from './refusals.js';
export { decodeBody, serializeBody, type BodyKind } from './canonical/index.js';
export { BODY_POLICIES, needsOf, describePolicy } from './field-policy/index.js';
export { isEnginePath, splitEnginePath } from './operations/index.js';
