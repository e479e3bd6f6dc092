import { type ReactNode, useState } from "react";

import type { ApiError } from "../api";
import { DefinitionTable } from "../components/DefinitionTable";
import { SaveBar } from "../components/SaveBar";
import { Show } from "../components/Status";
import { count } from "../format";
import { graphql } from "../gql";
import { asApiError, go, useQuery } from "../hooks";
import { useLiveCheck } from "../live";
import { ConditionEditor } from "../segments/ConditionEditor";
import { fromCondition, type Node, refusedPath, startingCondition, toCondition } from "../segments/model";
import { useCan, useRequest } from "../session";

export const SegmentList = graphql(`
  query SegmentList {
    segments {
      name
      description
      active
      members
      version
      updatedAt
    }
  }
`);

export const SegmentDefinition = graphql(`
  query SegmentDefinition($name: String!) {
    segment(name: $name) {
      name
      description
      definition
      active
      members
      version
    }
  }
`);

export const PreviewDefinition = graphql(`
  query PreviewDefinition($definition: JSON!) {
    previewSegment(definition: $definition, sample: 5) {
      __typename
      ... on SegmentPreview {
        total
        sample
      }
      ... on InvalidSegment {
        message
      }
    }
  }
`);

export const SaveDefinition = graphql(`
  mutation SaveDefinition($definition: JSON!) {
    saveSegment(definition: $definition) {
      __typename
      ... on Segment {
        name
        version
        active
      }
      ... on InvalidSegment {
        message
      }
      ... on SegmentNotFound {
        message
      }
    }
  }
`);

export const SetActive = graphql(`
  mutation SetSegmentActiveNow($name: String!, $active: Boolean!) {
    setSegmentActive(name: $name, active: $active) {
      __typename
      ... on Segment {
        name
        active
        members
      }
      ... on InvalidSegment {
        message
      }
      ... on SegmentNotFound {
        message
      }
    }
  }
`);

type Preview = { total: number; sample: readonly string[] } | { refused: string } | null;

function Editor({
  initial,
  existing,
}: {
  initial: { name: string; description: string; condition: Node; active: boolean };
  existing: boolean;
}): ReactNode {
  const run = useRequest();
  const mayEdit = useCan("segments");
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  const [condition, setCondition] = useState<Node>(initial.condition);
  const [active, setActive] = useState(initial.active);
  const [preview, setPreview] = useState<Preview>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const definition = { name, description, condition: toCondition(condition) };
  const key = JSON.stringify(definition);

  // The count as you edit.
  useLiveCheck(
    key,
    (value) => run(PreviewDefinition, { definition: value }),
    ({ previewSegment: found }) =>
      setPreview(found.__typename === "SegmentPreview" ? { total: found.total, sample: found.sample } : { refused: found.message }),
    (e) => setError(asApiError(e)),
  );

  async function save(): Promise<void> {
    setError(null);
    try {
      const { saveSegment: saved } = await run(SaveDefinition, { definition });
      if (saved.__typename === "Segment") {
        setNotice(`Saved ${saved.name}, version ${saved.version}${saved.active ? "" : " (paused)"}.`);
        if (!existing) go("segments", saved.name);
      } else setPreview({ refused: saved.message });
    } catch (e) {
      setError(asApiError(e));
    }
  }

  async function toggle(): Promise<void> {
    setError(null);
    try {
      const { setSegmentActive: done } = await run(SetActive, { name, active: !active });
      if (done.__typename === "Segment") {
        setActive(done.active);
        setNotice(done.active ? `${done.name} is active: evaluated now and in real time.` : `${done.name} is paused.`);
      } else setNotice(done.message);
    } catch (e) {
      setError(asApiError(e));
    }
  }

  const refused = preview !== null && "refused" in preview ? preview.refused : null;
  return (
    <div className="segment-editor">
      <div className="search">
        <label htmlFor="segment-name">Name</label>
        <input
          id="segment-name"
          value={name}
          readOnly={existing || !mayEdit}
          onChange={(e) => setName(e.target.value)}
          placeholder="loyal_buyers"
        />
        <label htmlFor="segment-description">Description</label>
        <input
          id="segment-description"
          className="wide"
          value={description}
          readOnly={!mayEdit}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <ConditionEditor
        node={condition}
        path="condition"
        refused={refused === null ? null : refusedPath(refused)}
        onChange={setCondition}
        onRemove={null}
        readOnly={!mayEdit}
      />
      <div className="preview-line" role="status" data-testid="segment-preview">
        {preview === null
          ? "Counting…"
          : "refused" in preview
            ? preview.refused
            : `${count(preview.total)} profiles match now`}
        {preview !== null && "sample" in preview && preview.sample.length > 0 && (
          <>
            {": "}
            {preview.sample.map((id) => (
              <a key={id} href={`#/profiles/${encodeURIComponent(id)}`} className="small-link">
                {id.slice(0, 8)}
              </a>
            ))}
          </>
        )}
      </div>
      <SaveBar
        testId="segment-notice"
        editable={mayEdit}
        existing={existing}
        active={active}
        onSave={() => void save()}
        onToggle={() => void toggle()}
        notice={notice}
        error={error}
      >
        {existing && <a href={`#/profiles?segment=${encodeURIComponent(name)}`}>Members</a>}
      </SaveBar>
    </div>
  );
}

function Existing({ name }: { name: string }): ReactNode {
  const { loaded } = useQuery(SegmentDefinition, { name });
  return (
    <Show loaded={loaded}>
      {({ segment }) => {
        if (!segment) return <p role="alert">No segment {name}.</p>;
        const definition = segment.definition as { condition?: unknown };
        let condition: Node;
        try {
          condition = fromCondition(definition.condition);
        } catch (e) {
          return <p role="alert">This definition cannot be shown: {String(e)}</p>;
        }
        return (
          <>
            <h1>
              Segment {segment.name} <span className="note">version {segment.version}, {count(segment.members)} members</span>
            </h1>
            <Editor
              existing
              initial={{
                name: segment.name,
                description: segment.description,
                condition,
                active: segment.active,
              }}
            />
          </>
        );
      }}
    </Show>
  );
}

export function Segments({ name }: { name: string | undefined }): ReactNode {
  const mayEdit = useCan("segments");
  const { loaded } = useQuery(SegmentList, {}, name !== undefined);
  if (name === "new") {
    return (
      <section>
        <h1>New segment</h1>
        <Editor existing={false} initial={{ name: "", description: "", condition: startingCondition(), active: false }} />
      </section>
    );
  }
  if (name !== undefined) return <Existing key={name} name={name} />;
  return (
    <section aria-labelledby="segments-title">
      <h1 id="segments-title">Segments</h1>
      {mayEdit && (
        <p>
          <a href="#/segments/new">New segment</a>
        </p>
      )}
      <Show loaded={loaded}>
        {({ segments }) => (
          <DefinitionTable
            kind="segments"
            figure="members"
            figureHref={(n) => `#/profiles?segment=${encodeURIComponent(n)}`}
            rows={segments.map((seg) => ({ ...seg, figure: seg.members }))}
          />
        )}
      </Show>
    </section>
  );
}
