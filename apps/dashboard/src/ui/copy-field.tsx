/**
 * A command or secret to copy: a labelled read-only input (selected on focus, so copying by hand works
 * where the clipboard API is refused) and a Copy button (described by the label, so its name stays
 * "Copy" and a search by label finds only the input) that says when it has copied.
 */
import { useId, useState } from 'react';

export function CopyField({ label, value }: { label: string; value: string }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  return (
    <div className="copy-field">
      <label htmlFor={id} id={`${id}-label`}>
        {label}
      </label>
      <input
        id={id}
        readOnly
        value={value}
        size={Math.min(Math.max(value.length, 20), 80)}
        onFocus={(e) => e.target.select()}
      />
      <button
        type="button"
        aria-describedby={`${id}-label`}
        onClick={() =>
          void navigator.clipboard?.writeText(value).then(
            () => setCopied(true),
            () => undefined,
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
