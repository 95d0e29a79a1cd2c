/**
 * Admin settings: the run-time cluster settings (session lifetime and renewal, sessions per user, client
 * bundle lifetime), and the registry's (anonymous pull). The form checks the contract's bounds before sending; the server checks them again
 * and a 400 names the field, which is shown next to it. Only changed fields are sent (PATCH).
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { isApiError } from '../api/api-error.js';
import type { RouteOutput } from '../api/client.js';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import { Field, FormStatus, validate, type FieldErrors } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { RegistrySettingsSection } from './registry-settings-section.js';

type Settings = RouteOutput<'getSettings'>;
type Key = keyof Settings;

/** Labels, units and the bounds of schemas.clusterSettings (shown to the user and set on the inputs). */
const FIELDS: readonly { key: Key; label: string; unit: string; min: number; max: number; help: string }[] = [
  {
    key: 'sessionLifetimeMinutes',
    label: 'Session lifetime',
    unit: 'minutes',
    min: 5,
    max: 525600,
    help: 'How long a dashboard or API session lasts without renewal.',
  },
  {
    key: 'sessionRenewalThresholdMinutes',
    label: 'Session renewal threshold',
    unit: 'minutes',
    min: 0,
    max: 525600,
    help: 'A session used within this many minutes of its end is extended; 0 never renews.',
  },
  {
    key: 'maxSessionsPerUser',
    label: 'Sessions per user',
    unit: 'sessions',
    min: 1,
    max: 100,
    help: 'The oldest session ends when a user logs in once more than this.',
  },
  {
    key: 'clientBundleLifetimeDays',
    label: 'Client bundle lifetime',
    unit: 'days',
    min: 1,
    max: 3650,
    help: 'How long the certificate in a newly downloaded client bundle is valid.',
  },
];

function SettingsForm({ current }: { current: Settings }) {
  const update = useApiMutation('updateSettings', { invalidates: ['getSettings'] });
  const [values, setValues] = useState<Record<Key, string>>(
    () => Object.fromEntries(FIELDS.map((f) => [f.key, String(current[f.key])])) as Record<Key, string>,
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const serverField = isApiError(update.error) ? update.error.detail?.['field'] : undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    const changed = Object.fromEntries(
      FIELDS.filter((f) => values[f.key].trim() !== String(current[f.key])).map((f) => [
        f.key,
        values[f.key].trim() === '' ? Number.NaN : Number(values[f.key]),
      ]),
    );
    const checked = validate(schemas.clusterSettingsPatch, changed);
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    if (Object.keys(checked.data).length === 0) {
      setSaved('Nothing to save: no setting was changed.');
      return;
    }
    update.mutate(
      { body: checked.data },
      {
        onSuccess: (s) =>
          setSaved(`Saved. ${FIELDS.map((f) => `${f.label}: ${s[f.key]} ${f.unit}`).join('; ')}.`),
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate className="settings-form">
      {FIELDS.map((f) => (
        <Field
          key={f.key}
          label={`${f.label} (${f.unit})`}
          hint={`${f.help} Between ${f.min} and ${f.max} ${f.unit}.`}
          error={errors[f.key] ?? (serverField === f.key && update.error ? update.error.message : undefined)}
        >
          {(p) => (
            <input
              {...p}
              type="number"
              inputMode="numeric"
              min={f.min}
              max={f.max}
              step={1}
              required
              value={values[f.key]}
              onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
            />
          )}
        </Field>
      ))}
      <button type="submit" className="primary" disabled={update.isPending}>
        {update.isPending ? 'Saving…' : 'Save settings'}
      </button>
      <FormStatus error={update.error} success={saved} />
    </form>
  );
}

export default function SettingsPage() {
  const settings = useApiQuery('getSettings');
  return (
    <Page title="Admin settings">
      <Section title="Sessions and client bundles">
        <p className="muted">Changes apply at once on every controller.</p>
        <QueryView query={settings} what="the settings">
          {(data) => <SettingsForm current={data} />}
        </QueryView>
      </Section>
      <RegistrySettingsSection />
    </Page>
  );
}
