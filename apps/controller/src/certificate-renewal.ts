/**
 * Renewal of the controllers' shared server certificate as a cluster job: the schedule fires once per
 * interval in the cluster, whichever runner claims the job renews the record in the Store when it is due,
 * and every controller follows the record and serves what it holds (a new certificate reaches new
 * connections without a restart).
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Jobs } from '@stevedore/jobs';
import type { KeyAndCertificate } from '@stevedore/pki';
import { follow, type Store } from '@stevedore/store';
import { SERVER_CERTIFICATE_KEY, type ServerCertificates } from './server-certificate.js';

export const RENEW_CERTIFICATE = 'controller.renew-certificate';

export interface CertificateRenewalOptions {
  readonly store: Store;
  readonly jobs: Jobs;
  readonly certificates: ServerCertificates;
  /** Called with each certificate the record holds from now on. */
  readonly serve: (tls: KeyAndCertificate) => void;
  readonly everySeconds: number;
  readonly logger: Logger;
}

/** Defines the job, schedules it and follows the record; answers a function that stops both. */
export async function startCertificateRenewal(
  options: CertificateRenewalOptions,
): Promise<() => Promise<void>> {
  const { certificates, logger } = options;
  options.jobs.define(RENEW_CERTIFICATE, {
    schema: z.strictObject({}),
    maxAttempts: 5,
    handler: async () => {
      const outcome = await certificates.renewIfDue();
      if (outcome === 'issued') logger.info('renewed the controller server certificate');
      return { outcome };
    },
  });
  let served: string | undefined;
  const serve = (value: string) => {
    const record = certificates.decode(value);
    if (!record.usable || record.tls.certPem === served) return;
    served = record.tls.certPem;
    options.serve(record.tls);
  };
  const following = follow(options.store, SERVER_CERTIFICATE_KEY, {
    onSnapshot: (kvs) => {
      const kv = kvs.find((k) => k.key === SERVER_CERTIFICATE_KEY);
      if (kv) serve(kv.value);
    },
    onRevision: (events) => {
      for (const event of events)
        if (event.type === 'put' && event.kv.key === SERVER_CERTIFICATE_KEY) serve(event.kv.value);
    },
    onError: (err: unknown) => logger.warn({ err }, 'following the controller certificate restarted'),
  });
  await following.ready;
  const schedule = options.jobs.schedule(RENEW_CERTIFICATE, {
    kind: RENEW_CERTIFICATE,
    payload: {},
    everySeconds: options.everySeconds,
  });
  return async () => {
    await schedule.stop();
    await following.close();
  };
}
