// Consent purposes: what each means, its answer while nobody decided, how many decisions it
// has; a privacy officer adds one or changes its description and default.
import { type FormEvent, type ReactNode, useState } from "react";

import type { ApiError } from "../api";
import { count } from "../format";
import { graphql } from "../gql";
import { asApiError, useQuery } from "../hooks";
import { useRequest } from "../session";
import { Failure, Show } from "./Status";
import { Head } from "./Table";

export const PurposeList = graphql(`
  query PurposeList {
    purposes {
      name
      description
      defaultGranted
      configured
      decisions
    }
  }
`);

export const SavePurpose = graphql(`
  mutation SavePurpose($name: String!, $description: String!, $defaultGranted: Boolean!) {
    setPurpose(name: $name, description: $description, defaultGranted: $defaultGranted) {
      name
    }
  }
`);

export function Purposes(): ReactNode {
  const run = useRequest();
  const { loaded, reload } = useQuery(PurposeList, {});
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [byDefault, setByDefault] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function save(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    try {
      const { setPurpose: saved } = await run(SavePurpose, {
        name: name.trim(),
        description: description.trim(),
        defaultGranted: byDefault,
      });
      setNotice(`Purpose ${saved.name} saved.`);
      reload();
    } catch (e) {
      setError(asApiError(e));
    }
  }

  return (
    <>
      <h2>Consent purposes</h2>
      <Show loaded={loaded}>
        {(data) => (
          <table data-testid="purposes">
            <Head columns={["purpose", "description", "without a decision", "decisions"]} />
            <tbody>
              {data.purposes.map((p) => (
                <tr key={p.name}>
                  <td>
                    {p.name}
                    {p.configured && <span className="note"> (config/consent.yaml)</span>}
                  </td>
                  <td>{p.description}</td>
                  <td>{p.defaultGranted ? "allowed" : "not allowed"}</td>
                  <td className="number">{count(p.decisions)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
      <form className="search" onSubmit={(e) => void save(e)} aria-label="Add or change a purpose">
        <label htmlFor="purpose-name">Purpose</label>
        <input id="purpose-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="analytics" required />
        <label htmlFor="purpose-description">description</label>
        <input
          id="purpose-description"
          className="wide"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <label>
          <input type="checkbox" checked={byDefault} onChange={(e) => setByDefault(e.target.checked)} /> allowed
          without a decision
        </label>
        <button type="submit">Save purpose</button>
        {notice && <span role="status">{notice}</span>}
        {error && <Failure error={error} />}
      </form>
    </>
  );
}
