// Tests install Debian packages the same way `stevedore up` does.
export { ensureBinary, findBinary, installDebianPackage } from '@stevedore/host';
