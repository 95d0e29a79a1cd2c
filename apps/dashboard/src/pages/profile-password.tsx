/**
 * Changing your own password: the current one, the new one twice. The server's refusal (a wrong current
 * password) is shown as it words it.
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation } from '../api/hooks.js';
import { Field, FormStatus, validate, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';

export function ChangePassword() {
  const change = useApiMutation('changeOwnPassword');
  const [form, setForm] = useState({ oldPassword: '', newPassword: '', repeat: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.changeOwnPasswordRequest, {
      oldPassword: form.oldPassword,
      newPassword: form.newPassword,
    });
    const next: FieldErrors = checked.ok ? {} : { ...checked.errors };
    if (form.repeat !== form.newPassword) next['repeat'] = 'the two new passwords differ';
    setErrors(next);
    if (!checked.ok || next['repeat']) return;
    setDone(null);
    change.mutate(
      { body: checked.data },
      {
        onSuccess: () => {
          setDone('Your password has been changed.');
          setForm({ oldPassword: '', newPassword: '', repeat: '' });
        },
      },
    );
  };
  const input = (key: keyof typeof form, autoComplete: string) => (p: object) => (
    <input
      {...p}
      type="password"
      autoComplete={autoComplete}
      value={form[key]}
      onChange={(e) => setForm({ ...form, [key]: e.target.value })}
    />
  );
  return (
    <Section title="Change password">
      <form onSubmit={submit} className="inline-form" noValidate>
        <Field label="Current password" error={errors['oldPassword']}>
          {input('oldPassword', 'current-password')}
        </Field>
        <Field label="New password" error={errors['newPassword']} hint="At least 8 characters">
          {input('newPassword', 'new-password')}
        </Field>
        <Field label="New password again" error={errors['repeat']}>
          {input('repeat', 'new-password')}
        </Field>
        <button type="submit" className="primary" disabled={change.isPending}>
          Change password
        </button>
      </form>
      <FormStatus error={change.error} success={done} />
    </Section>
  );
}
