export {
  startControlPlane,
  FIRST_ADMIN,
  type ControlPlane,
  type ControlPlaneOptions,
} from './control-plane.js';
