// Subject access: everything held on a person, decrypted, as a JSON file the browser saves.
// The document never lands anywhere but the file the privacy officer downloads.
import { type ReactNode, useState } from "react";

import type { ApiError } from "../api";
import { graphql } from "../gql";
import type { IdentifierInput } from "../gql/graphql";
import { asApiError } from "../hooks";
import { useRequest } from "../session";
import { Failure } from "./Status";

export const ExportSubjectNow = graphql(`
  mutation ExportSubjectNow($identifier: IdentifierInput!) {
    exportSubject(identifier: $identifier) {
      __typename
      ... on SubjectExport {
        document
      }
      ... on IdentifierNotFound {
        message
      }
      ... on InvalidIdentifier {
        message
      }
    }
  }
`);

function save(name: string, document: unknown): void {
  const blob = new Blob([JSON.stringify(document, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = window.document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function SubjectExportButton({
  identifier,
  profileId,
}: {
  identifier: IdentifierInput;
  profileId: string;
}): ReactNode {
  const run = useRequest();
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function download(): Promise<void> {
    setError(null);
    try {
      const { exportSubject: answer } = await run(ExportSubjectNow, { identifier });
      if (answer.__typename !== "SubjectExport") {
        setDone(answer.message);
        return;
      }
      const name = `subject-export-${profileId}.json`;
      save(name, answer.document);
      setDone(`Saved ${name}; the export is in the audit log.`);
    } catch (e) {
      setError(asApiError(e));
    }
  }

  return (
    <p>
      <button type="button" onClick={() => void download()}>
        Download subject access export (JSON)
      </button>{" "}
      {done && <span role="status">{done}</span>}
      {error && <Failure error={error} />}
    </p>
  );
}
