import type { ReactNode } from "react";

import type { IdentifierInput } from "../gql/graphql";

export const IDENTIFIER_TYPES = ["email", "user_id", "anonymous_id", "phone", "device_id"] as const;

/** An identifier's type and value, as the API takes them (values normalised there). */
export function IdentifierFields({
  label,
  value,
  onChange,
}: {
  label: string;
  value: IdentifierInput;
  onChange: (next: IdentifierInput) => void;
}): ReactNode {
  return (
    <fieldset>
      <legend>{label}</legend>
      <select
        aria-label={`${label} type`}
        value={value.type}
        onChange={(e) => onChange({ ...value, type: e.target.value })}
      >
        {IDENTIFIER_TYPES.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      <input
        aria-label={`${label} value`}
        value={value.value}
        onChange={(e) => onChange({ ...value, value: e.target.value })}
        required
      />
    </fieldset>
  );
}
