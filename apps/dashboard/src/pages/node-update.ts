/**
 * How the node page's sections change a node: `change` maps the node's current spec to the new one, which
 * is posted with the node's version. A leaf module, so node-page.tsx and the sections it renders
 * (node-labels.tsx) share the type without importing each other.
 */
import type { NodeSpec } from '../api/docker.js';

export type UpdateNode = (change: (spec: NodeSpec) => NodeSpec) => Promise<unknown>;
