import { createApp } from "vue";
import App from "./App.vue";
import "./style.css";
import { chineseValidation } from "./validation";

chineseValidation(document);
createApp(App).mount("#app");
// For the session bench (src-tauri/benches/session.rs): where the page's start goes.
performance.mark("counter:mounted");
