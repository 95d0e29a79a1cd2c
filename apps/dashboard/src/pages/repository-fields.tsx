/** The fields a repository's create form and its settings share: visibility and description. */
import { Field, TextField, type FieldErrors } from '../ui/form.js';

export interface RepositoryFieldValues {
  readonly visibility: string;
  readonly description: string;
}

export function RepositoryFields<T extends RepositoryFieldValues>({
  form,
  errors,
  onChange,
}: {
  form: T;
  errors: FieldErrors;
  onChange: (next: T) => void;
}) {
  return (
    <>
      <Field label="Visibility" error={errors['visibility']}>
        {(p) => (
          <select
            {...p}
            value={form.visibility}
            onChange={(e) => onChange({ ...form, visibility: e.target.value })}
          >
            <option value="private">private</option>
            <option value="public">public (any signed-in user may pull)</option>
          </select>
        )}
      </Field>
      <TextField
        label="Description"
        error={errors['description']}
        value={form.description}
        onChange={(description) => onChange({ ...form, description })}
      />
    </>
  );
}
