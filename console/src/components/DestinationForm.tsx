// Create or replace a destination (admin). Its `config` may hold secrets (a write key, a
// token), so the API never returns it: editing a destination means giving its config again.
import { type FormEvent, type ReactNode, useState } from "react";

import type { ApiError } from "../api";
import { graphql } from "../gql";
import { asApiError, useQuery } from "../hooks";
import { useRequest } from "../session";
import { Failure } from "./Status";

const TOPICS = ["profiles", "segments", "events"] as const;

export const DestinationChoices = graphql(`
  query DestinationChoices {
    plugins {
      destinations {
        kind
      }
    }
    purposes {
      name
    }
  }
`);

export const SaveDestinationNow = graphql(`
  mutation SaveDestinationNow($definition: JSON!) {
    saveDestination(definition: $definition) {
      __typename
      ... on Destination {
        name
        active
      }
      ... on InvalidDestination {
        message
      }
      ... on DestinationNotFound {
        message
      }
    }
  }
`);

export interface DestinationFields {
  name: string;
  kind: string;
  purpose?: string | null;
  topics: readonly string[];
  batchSize: number;
  forwardErasures: boolean;
}

export const NEW_DESTINATION: DestinationFields = {
  name: "",
  kind: "webhook",
  purpose: null,
  topics: TOPICS,
  batchSize: 100,
  forwardErasures: true,
};

export function DestinationForm({
  initial,
  existing,
  onSaved,
  onCancel,
}: {
  initial: DestinationFields;
  existing: boolean;
  onSaved: (message: string) => void;
  onCancel: () => void;
}): ReactNode {
  const run = useRequest();
  const { loaded } = useQuery(DestinationChoices, {});
  const [fields, setFields] = useState<DestinationFields>(initial);
  const [config, setConfig] = useState(existing ? "" : '{"url": "https://crm.example/cdp-hook"}');
  const [error, setError] = useState<ApiError | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const kinds = loaded.state === "done" ? loaded.data.plugins.destinations.map((d) => d.kind) : [fields.kind];
  const purposes = loaded.state === "done" ? loaded.data.purposes.map((p) => p.name) : [];

  async function save(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    setRefusal(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(config);
    } catch {
      setRefusal("config: not JSON (an object such as {\"url\": \"https://...\"})");
      return;
    }
    const definition = {
      name: fields.name.trim(),
      kind: fields.kind,
      purpose: fields.purpose || null,
      topics: fields.topics,
      batch_size: fields.batchSize,
      forward_erasures: fields.forwardErasures,
      config: parsed,
    };
    try {
      const { saveDestination: saved } = await run(SaveDestinationNow, { definition });
      if (saved.__typename === "Destination") {
        onSaved(`Destination ${saved.name} saved${saved.active ? "" : " (stopped: start it to deliver)"}.`);
      } else {
        setRefusal(saved.message);
      }
    } catch (e) {
      setError(asApiError(e));
    }
  }

  function toggleTopic(topic: string, on: boolean): void {
    const topics = on ? [...fields.topics, topic] : fields.topics.filter((t) => t !== topic);
    setFields({ ...fields, topics: TOPICS.filter((t) => topics.includes(t)) });
  }

  return (
    <form className="preview destination-form" onSubmit={(e) => void save(e)} aria-label="Destination definition">
      <div className="search">
        <label htmlFor="destination-name">Name</label>
        <input
          id="destination-name"
          value={fields.name}
          readOnly={existing}
          onChange={(e) => setFields({ ...fields, name: e.target.value })}
          placeholder="crm"
          required
        />
        <label htmlFor="destination-kind">kind</label>
        <select id="destination-kind" value={fields.kind} onChange={(e) => setFields({ ...fields, kind: e.target.value })}>
          {kinds.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <label htmlFor="destination-purpose">consent purpose</label>
        <select
          id="destination-purpose"
          value={fields.purpose ?? ""}
          onChange={(e) => setFields({ ...fields, purpose: e.target.value || null })}
        >
          <option value="">none needed</option>
          {purposes.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <label htmlFor="destination-batch">batch size</label>
        <input
          id="destination-batch"
          type="number"
          min="1"
          max="1000"
          value={fields.batchSize}
          onChange={(e) => setFields({ ...fields, batchSize: Number(e.target.value) })}
        />
      </div>
      <fieldset>
        <legend>topics</legend>
        {TOPICS.map((t) => (
          <label key={t}>
            <input type="checkbox" checked={fields.topics.includes(t)} onChange={(e) => toggleTopic(t, e.target.checked)} />{" "}
            {t}
          </label>
        ))}
        <label>
          <input
            type="checkbox"
            checked={fields.forwardErasures}
            onChange={(e) => setFields({ ...fields, forwardErasures: e.target.checked })}
          />{" "}
          forward erasures
        </label>
      </fieldset>
      <label htmlFor="destination-config">
        config (JSON){existing && ": not shown, since it may hold secrets; give it again"}
      </label>
      <textarea
        id="destination-config"
        rows={3}
        className="wide"
        value={config}
        onChange={(e) => setConfig(e.target.value)}
        required
      />
      <div className="search">
        <button type="submit">Save destination</button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {refusal && (
        <p role="alert" className="failure">
          {refusal}
        </p>
      )}
      {error && <Failure error={error} />}
    </form>
  );
}
