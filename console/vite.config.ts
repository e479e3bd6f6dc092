import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by the API at /console (same origin as /graphql, so no CORS). `npm run dev` proxies
// the API of `make run` for working on the console itself.
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 1200 },
  server: {
    proxy: {
      "/graphql": { target: "http://127.0.0.1:8000", ws: true },
    },
  },
});
