import { createApp } from "vue";
import App from "./App.vue";
import "./style.css";
import { chineseValidation } from "./validation";

chineseValidation(document);
createApp(App).mount("#app");
