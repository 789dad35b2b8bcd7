import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// Built files are embedded in the Tauri binary (tauri.conf.json → frontendDist = ../ui/dist).
export default defineConfig({
  plugins: [vue()],
  clearScreen: false,
  build: {
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
    // Three pages: the clerk's window, the applicant's screen (申请人屏) and the central console
    // (served by counter-server at /console/).
    rollupOptions: { input: { main: "index.html", applicant: "applicant.html", console: "console.html" } },
  },
  test: { environment: "happy-dom" },
});
