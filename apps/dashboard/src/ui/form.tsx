/**
 * Small form pieces: labelled fields whose errors are tied to the input (aria-invalid, aria-describedby),
 * validation with the contract's own request schemas (the same messages the server would give), and the
 * outcome of a submission announced in a live region.
 */
import { useId, useState, type ReactNode } from 'react';
import type { z } from 'zod';
import { ErrorNotice } from './states.js';

export type FieldErrors = Partial<Record<string, string>>;

/** The first message per top-level field, or null when the value passes the schema. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { ok: true; data: z.output<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

interface FieldProps {
  readonly label: string;
  readonly error?: string | undefined;
  readonly hint?: string;
  /** Renders the control with the ids it must carry. */
  readonly children: (control: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => ReactNode;
}

export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': described || undefined })}
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** A labelled one-line text input: the common case of Field. */
export function TextField(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const { value, onChange, ...field } = props;
  return (
    <Field {...field}>
      {(p) => <input {...p} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

export function FormStatus({ error, success }: { error: unknown; success?: string | null | undefined }) {
  if (error) return <ErrorNotice error={error} />;
  return (
    <p className="form-success" role="status">
      {success ?? ''}
    </p>
  );
}

/** A destructive button that asks once more in place (no modal dialog to trap focus in). The failure, if
 * any, is the mutation's error, which the page shows next to the list. */
export function DeleteButton({
  label,
  onConfirm,
  verb = 'Delete',
}: {
  /** What the button does, for assistive tech: "Delete user alice". */
  label: string;
  onConfirm: () => Promise<unknown>;
  verb?: string;
}) {
  const [armed, setArmed] = useState(false);
  const [pending, setPending] = useState(false);
  if (!armed) {
    return (
      <button type="button" className="danger-quiet" onClick={() => setArmed(true)} aria-label={label}>
        {verb}
      </button>
    );
  }
  const confirm = () => {
    setPending(true);
    void onConfirm()
      .catch(() => undefined)
      .finally(() => {
        setPending(false);
        setArmed(false);
      });
  };
  return (
    <span className="confirm">
      <button
        type="button"
        className="danger"
        onClick={confirm}
        disabled={pending}
        aria-label={`Confirm: ${label}`}
      >
        {pending ? 'Working…' : `Confirm ${verb.toLowerCase()}`}
      </button>
      <button type="button" onClick={() => setArmed(false)} disabled={pending}>
        Cancel
      </button>
    </span>
  );
}
