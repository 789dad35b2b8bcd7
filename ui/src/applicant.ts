// The applicant's screen (申请人屏): a page of its own, opened in a second window (on the second
// monitor) by the desktop shell, or at /applicant.html in the browser mode.
import { createApp } from "vue";
import ApplicantScreen from "./components/ApplicantScreen.vue";

createApp(ApplicantScreen).mount("#app");
