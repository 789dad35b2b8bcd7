import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// Built files are embedded in the Tauri binary (tauri.conf.json → frontendDist = ../ui/dist).
export default defineConfig({
  plugins: [vue()],
  clearScreen: false,
  build: { target: "safari15", outDir: "dist", emptyOutDir: true },
  test: { environment: "happy-dom" },
});
