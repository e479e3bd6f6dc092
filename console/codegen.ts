import type { CodegenConfig } from "@graphql-codegen/cli";

// The console's operations are typed from the API's schema: a schema change that breaks one
// fails `npm run build` (and so `make run` and the tests).
const config: CodegenConfig = {
  schema: "../graphql/schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: false,
  generates: {
    "./src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: "string",
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { JSON: "unknown" },
      },
    },
  },
};

export default config;
