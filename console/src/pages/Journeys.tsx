import { type ReactNode, useState } from "react";

import type { ApiError } from "../api";
import { DefinitionTable } from "../components/DefinitionTable";
import { SaveBar } from "../components/SaveBar";
import { Show } from "../components/Status";
import { count } from "../format";
import { graphql } from "../gql";
import { asApiError, go, useQuery } from "../hooks";
import { JourneyCanvas } from "../journeys/JourneyCanvas";
import { emptyDefinition, fromStored, type Json, type JourneyDefinition, refusedStep, TRIGGER_KINDS } from "../journeys/model";
import { StepPanel } from "../journeys/StepPanel";
import { ConditionField } from "../segments/ConditionField";
import { startingCondition, toCondition } from "../segments/model";
import { useLiveCheck } from "../live";
import { useCan, useRequest } from "../session";

export const JourneyList = graphql(`
  query JourneyList {
    journeys {
      name
      description
      active
      running
      version
      updatedAt
    }
  }
`);

export const JourneyDefinitionQuery = graphql(`
  query JourneyDefinition($name: String!) {
    journey(name: $name) {
      name
      definition
      version
      active
      running
      stats
    }
  }
`);

export const ValidateDefinition = graphql(`
  query ValidateDefinition($definition: JSON!) {
    validateJourney(definition: $definition) {
      __typename
      ... on JourneyValid {
        steps
      }
      ... on InvalidJourney {
        message
      }
    }
  }
`);

export const SaveJourneyDefinition = graphql(`
  mutation SaveJourneyDefinition($definition: JSON!) {
    saveJourney(definition: $definition) {
      __typename
      ... on Journey {
        name
        version
        active
      }
      ... on InvalidJourney {
        message
      }
      ... on JourneyNotFound {
        message
      }
    }
  }
`);

export const SetJourneyActiveNow = graphql(`
  mutation SetJourneyActiveNow($name: String!, $active: Boolean!) {
    setJourneyActive(name: $name, active: $active) {
      __typename
      ... on Journey {
        name
        active
      }
      ... on InvalidJourney {
        message
      }
      ... on JourneyNotFound {
        message
      }
    }
  }
`);

function triggerKind(trigger: Json): string {
  return TRIGGER_KINDS.find((k) => k in trigger) ?? "event";
}

function Editor({
  initial,
  existing,
  active: initiallyActive,
  stats,
}: {
  initial: JourneyDefinition;
  existing: boolean;
  active: boolean;
  stats: Record<string, Record<string, number>>;
}): ReactNode {
  const run = useRequest();
  const readOnly = !useCan("segments");
  const [definition, setDefinition] = useState(initial);
  const [selected, setSelected] = useState<string | null>(null);
  const [verdict, setVerdict] = useState<string>("Checking…");
  const [refused, setRefused] = useState<string | null>(null);
  const [active, setActive] = useState(initiallyActive);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const key = JSON.stringify(definition);

  // validateJourney on every change.
  useLiveCheck(
    key,
    (value) => run(ValidateDefinition, { definition: value }),
    ({ validateJourney: found }) => {
      setVerdict(found.__typename === "JourneyValid" ? `Valid: ${found.steps} steps.` : found.message);
      setRefused(found.__typename === "JourneyValid" ? null : found.message);
    },
    (e) => setError(asApiError(e)),
  );

  const trigger = triggerKind(definition.trigger);
  const step = selected === null ? undefined : definition.steps[selected];

  function addStep(): void {
    let n = Object.keys(definition.steps).length + 1;
    while (`step_${n}` in definition.steps) n += 1;
    const name = `step_${n}`;
    setDefinition({ ...definition, steps: { ...definition.steps, [name]: { type: "action", action: { kind: "add_tag", tag: "" }, next: null } } });
    setSelected(name);
  }

  function removeStep(name: string): void {
    const steps: Record<string, Json> = {};
    for (const [other, s] of Object.entries(definition.steps)) {
      if (other === name) continue;
      const cut = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v === name && k !== "type" ? null : v]));
      steps[other] = cut;
    }
    setDefinition({ ...definition, steps });
    setSelected(null);
  }

  async function save(): Promise<void> {
    setError(null);
    try {
      const { saveJourney: saved } = await run(SaveJourneyDefinition, { definition });
      if (saved.__typename === "Journey") {
        setNotice(`Saved ${saved.name}, version ${saved.version}${saved.active ? "" : " (paused)"}.`);
        if (!existing) go("journeys", saved.name);
      } else {
        setVerdict(saved.message);
        setRefused(saved.message);
      }
    } catch (e) {
      setError(asApiError(e));
    }
  }

  async function toggle(): Promise<void> {
    setError(null);
    try {
      const { setJourneyActive: done } = await run(SetJourneyActiveNow, { name: definition.name, active: !active });
      if (done.__typename === "Journey") {
        setActive(done.active);
        setNotice(done.active ? `${done.name} is active.` : `${done.name} is paused.`);
      } else setNotice(done.message);
    } catch (e) {
      setError(asApiError(e));
    }
  }

  return (
    <div className="journey-editor">
      <div className="search">
        <label htmlFor="journey-name">Name</label>
        <input
          id="journey-name"
          value={definition.name}
          readOnly={existing || readOnly}
          onChange={(e) => setDefinition({ ...definition, name: e.target.value })}
          placeholder="welcome_series"
        />
        <label htmlFor="journey-trigger">Trigger</label>
        <select
          id="journey-trigger"
          value={trigger}
          disabled={readOnly}
          onChange={(e) => {
            const next: Json = { [e.target.value]: definition.trigger[trigger] ?? "" };
            if ("where" in definition.trigger) next["where"] = definition.trigger["where"];
            setDefinition({ ...definition, trigger: next });
          }}
        >
          {TRIGGER_KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <input
          aria-label="Trigger value"
          value={String(definition.trigger[trigger] ?? "")}
          readOnly={readOnly}
          onChange={(e) => setDefinition({ ...definition, trigger: { ...definition.trigger, [trigger]: e.target.value } })}
        />
        <label>
          <input
            type="checkbox"
            checked={"where" in definition.trigger}
            disabled={readOnly}
            onChange={(e) => {
              const trigger: Json = { ...definition.trigger };
              if (e.target.checked) trigger["where"] = toCondition(startingCondition());
              else delete trigger["where"];
              setDefinition({ ...definition, trigger });
            }}
          />{" "}
          only when
        </label>
        <label htmlFor="journey-start">Start</label>
        <select
          id="journey-start"
          value={definition.start}
          disabled={readOnly}
          onChange={(e) => setDefinition({ ...definition, start: e.target.value })}
        >
          {Object.keys(definition.steps).map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
        <label>
          <input
            type="checkbox"
            checked={definition.reentry}
            disabled={readOnly}
            onChange={(e) => setDefinition({ ...definition, reentry: e.target.checked })}
          />{" "}
          re-entry
        </label>
        {!readOnly && (
          <button type="button" onClick={addStep}>
            Add step
          </button>
        )}
      </div>
      <div className="search">
        <label htmlFor="journey-description">Description</label>
        <input
          id="journey-description"
          className="wide"
          value={definition.description}
          readOnly={readOnly}
          onChange={(e) => setDefinition({ ...definition, description: e.target.value })}
          placeholder="what the journey is for"
        />
      </div>
      {"where" in definition.trigger && (
        <div className="trigger-where" data-testid="trigger-where">
          <p className="hint">The profile enters only if, when the trigger fires, it meets:</p>
          <ConditionField
            value={definition.trigger["where"]}
            path="trigger.where"
            readOnly={readOnly}
            onChange={(where) => setDefinition({ ...definition, trigger: { ...definition.trigger, where } })}
          />
        </div>
      )}
      <p className={`verdict${refused ? " bad" : ""}`} role="status" data-testid="journey-verdict">
        {verdict}
      </p>
      <div className="journey-body">
        <JourneyCanvas
          definition={definition}
          refusedStep={refused === null ? null : refusedStep(refused, Object.keys(definition.steps))}
          selected={selected}
          stats={stats}
          readOnly={readOnly}
          onSelect={setSelected}
          onChange={setDefinition}
        />
        {selected !== null && step !== undefined && (
          <StepPanel
            key={selected}
            name={selected}
            step={step}
            readOnly={readOnly}
            onChange={(next) => setDefinition({ ...definition, steps: { ...definition.steps, [selected]: next } })}
            onRemove={() => removeStep(selected)}
          />
        )}
      </div>
      <SaveBar
        testId="journey-notice"
        editable={!readOnly}
        existing={existing}
        active={active}
        onSave={() => void save()}
        onToggle={() => void toggle()}
        notice={notice}
        error={error}
       />
    </div>
  );
}

function Existing({ name }: { name: string }): ReactNode {
  const { loaded } = useQuery(JourneyDefinitionQuery, { name });
  return (
    <Show loaded={loaded}>
      {({ journey }) => {
        if (!journey) return <p role="alert">No journey {name}.</p>;
        return (
          <section>
            <h1>
              Journey {journey.name}{" "}
              <span className="note">
                version {journey.version}, {journey.active ? "active" : "paused"}, {count(journey.running)} runs in flight
              </span>
            </h1>
            <Editor
              existing
              initial={fromStored(journey.definition)}
              active={journey.active}
              stats={(journey.stats ?? {}) as Record<string, Record<string, number>>}
            />
          </section>
        );
      }}
    </Show>
  );
}

export function Journeys({ name }: { name: string | undefined }): ReactNode {
  const mayEdit = useCan("segments");
  const { loaded } = useQuery(JourneyList, {}, name !== undefined);
  if (name === "new") {
    return (
      <section>
        <h1>New journey</h1>
        <Editor existing={false} initial={emptyDefinition()} active={false} stats={{}} />
      </section>
    );
  }
  if (name !== undefined) return <Existing key={name} name={name} />;
  return (
    <section aria-labelledby="journeys-title">
      <h1 id="journeys-title">Journeys</h1>
      {mayEdit && (
        <p>
          <a href="#/journeys/new">New journey</a>
        </p>
      )}
      <Show loaded={loaded}>
        {({ journeys }) => (
          <DefinitionTable
            kind="journeys"
            figure="runs in flight"
            rows={journeys.map((j) => ({ ...j, figure: j.running }))}
          />
        )}
      </Show>
    </section>
  );
}
