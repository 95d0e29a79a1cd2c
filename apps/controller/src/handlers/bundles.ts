/**
 * Client bundles: download one (a fresh client certificate from the client root CA, registered on the
 * caller's account by its public-key id), list them, revoke them. The private key exists only in the
 * answer: it is never stored, logged or audited. Administrators list and revoke anyone's bundles.
 */
import { X509Certificate } from 'node:crypto';
import { issueCertificate, publicKeyIdOf } from '@stevedore/pki';
import type { Handlers } from '../http/route-kit.js';
import { buildBundleZip, bundleAddress } from './bundle-zip.js';
import type { Services } from './services.js';

type BundleHandlers = Pick<
  Handlers,
  'downloadClientBundle' | 'listOwnBundles' | 'revokeOwnBundle' | 'listUserBundles' | 'revokeUserBundle'
>;

export function bundleHandlers(services: Services): BundleHandlers {
  const { identity } = services;
  return {
    downloadClientBundle: async ({ caller, query, requestHost, localPort, audit }) => {
      const user = caller.name;
      const { certPem, keyPem } = await issueCertificate(services.clientCa, {
        commonName: user,
        organizationalUnit: 'client',
        usage: 'client',
        validityDays: services.identity.clusterSettings.current().clientBundleLifetimeDays,
      });
      const cert = new X509Certificate(certPem);
      const created = new Date(services.now()).toISOString().replace(/\.\d+Z$/, 'Z');
      const bundle = await identity.bundles.register(user, {
        keyId: publicKeyIdOf(certPem),
        label: query.label ?? `client bundle ${created}`,
        expiresAt: new Date(cert.validTo).toISOString(),
      });
      audit.target = `user:${user}/bundle:${bundle.id}`;
      const zip = buildBundleZip(
        {
          user,
          address: bundleAddress(requestHost, localPort),
          clusterCaPem: services.clusterCaPem,
          certPem,
          keyPem,
          publicKeyPem: cert.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
        query.format,
      );
      const name = query.format === 'context' ? `stevedore-context-${user}` : `stevedore-bundle-${user}`;
      return {
        binary: { contentType: 'application/zip', value: zip },
        // User names are [a-z0-9._-]: safe in the header as they are.
        headers: { 'content-disposition': `attachment; filename="${name}.zip"`, 'cache-control': 'no-store' },
      };
    },
    listOwnBundles: async ({ caller }) => ({ body: { items: await identity.bundles.list(caller.name) } }),
    revokeOwnBundle: async ({ caller, params, audit }) => {
      audit.target = `user:${caller.name}/bundle:${params.id}`;
      await identity.bundles.revoke(caller.name, params.id);
      return {};
    },
    listUserBundles: async ({ params }) => {
      await identity.users.get(params.name);
      return { body: { items: await identity.bundles.list(params.name) } };
    },
    revokeUserBundle: async ({ params, audit }) => {
      audit.target = `user:${params.name}/bundle:${params.id}`;
      await identity.bundles.revoke(params.name, params.id);
      return {};
    },
  };
}
