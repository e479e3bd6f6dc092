// One way to the GraphQL API: typed operations (generated from the schema) posted to /graphql
// with the signed-in API key. Errors come back as they are: the API's messages name the
// problem ("Forbidden: the viewer role lacks 'curate'"), so the console shows them verbatim.
import type { TypedDocumentString } from "./gql/graphql";

export class ApiError extends Error {
  readonly messages: readonly string[];
  readonly status: number;

  constructor(messages: readonly string[], status: number) {
    super(messages.join("; "));
    this.messages = messages;
    this.status = status;
  }

  get unauthorized(): boolean {
    return this.status === 401 || this.messages.some((m) => m.startsWith("Unauthorized"));
  }
}

interface Answer<R> {
  data?: R | null;
  errors?: readonly { message: string }[];
}

export async function request<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  apiKey: string,
): Promise<R> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch {
    throw new ApiError(["The API does not answer: is `make run` running?"], 0);
  }
  let answer: Answer<R>;
  try {
    answer = (await response.json()) as Answer<R>;
  } catch {
    throw new ApiError([`The API answered ${response.status} without JSON`], response.status);
  }
  if (answer.errors !== undefined && answer.errors.length > 0) {
    throw new ApiError(
      answer.errors.map((e) => e.message),
      response.status,
    );
  }
  if (answer.data === undefined || answer.data === null) {
    throw new ApiError([`The API answered ${response.status} without data`], response.status);
  }
  return answer.data;
}
