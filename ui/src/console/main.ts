// The central console (审核台): a page of its own, served by counter-server at /console/.
import { createApp } from "vue";
import "../style.css";
import Console from "./Console.vue";

createApp(Console).mount("#app");
