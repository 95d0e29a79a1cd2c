/**
 * Which member node a TLS connection's certificate names. The handshake accepted it as signed by the
 * client CA or the cluster CA; only the cluster CA's count here, and only while the node's record holds
 * the certificate's key (removing a node revokes it at the next request, keep-alive or not).
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { ClusterMembership } from '@stevedore/cluster';
import type { NodeCaller } from './http/route-kit.js';

const caCerts = new Map<string, X509Certificate>();

export async function nodeOfConnection(
  socket: TLSSocket,
  clusterCaPem: string,
  membership: ClusterMembership,
): Promise<NodeCaller | undefined> {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerX509Certificate();
  if (!cert) return undefined;
  let ca = caCerts.get(clusterCaPem);
  if (!ca) caCerts.set(clusterCaPem, (ca = new X509Certificate(clusterCaPem)));
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return undefined;
  const keyId = createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  const node = await membership.nodes.byKeyId(keyId);
  return node ? { id: node.id, role: node.role, hostname: node.hostname } : undefined;
}
